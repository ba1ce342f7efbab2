#!/usr/bin/env python3
"""CLI tests: run the built `embedlens` and check its answers against numpy.

The independent answers come from numpy reading the committed sample files
(data/sample.npy + data/sample.vocab.txt) and from files this test writes,
with brute-force kNN and eigendecomposition in float64.

Usage: test-cli.py PATH/TO/embedlens
"""
import csv, io, json, os, subprocess, sys, tempfile, unittest

EXE = None
SRC = os.environ.get("EMB_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
FIXTURES = os.environ.get("EMB_FIXTURES_DIR", os.path.join(SRC, "..", "shared", "fixtures"))

try:
    import numpy as np
except ImportError:  # numpy is installed by `make test`; without it, skip
    np = None


def run(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([EXE, *args], capture_output=True, env=e, stdin=subprocess.DEVNULL, timeout=120)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


def run_json(*args):
    code, out, err = run(*args, "--json")
    assert code == 0, (args, code, err)
    return json.loads(out)


def load_sample():
    m = np.load(os.path.join(SRC, "data", "sample.npy")).astype(np.float64)
    with open(os.path.join(SRC, "data", "sample.vocab.txt"), encoding="utf-8") as f:
        words = f.read().split("\n")[:-1]
    return m, words


def ref_neighbors(m, q, metric, k, exclude):
    if metric == "cosine":
        s = (m @ q) / (np.linalg.norm(m, axis=1) * np.linalg.norm(q))
        order = np.lexsort((np.arange(len(s)), -s))
    elif metric == "dot":
        s = m @ q
        order = np.lexsort((np.arange(len(s)), -s))
    else:
        s = np.linalg.norm(m - q, axis=1)
        order = np.lexsort((np.arange(len(s)), s))
    out = [i for i in order if i not in exclude][:k]
    return out, s


@unittest.skipIf(np is None, "numpy is not installed")
class SampleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m, cls.words = load_sample()

    def test_info(self):
        info = run_json("info", "@sample")
        self.assertEqual(info["rows"], 20000)
        self.assertEqual(info["dims"], 100)
        self.assertEqual(info["format"], "npy")
        self.assertEqual(info["dtype"], "float16")
        self.assertIn("sample.vocab.txt", info["vocabulary"])
        self.assertEqual(len(self.words), 20000)

    def check_neighbors(self, word, metric, k):
        got = run_json("neighbors", "@sample", word, "-k", str(k), "--metric", metric)
        qi = self.words.index(word)
        ids, scores = ref_neighbors(self.m, self.m[qi], metric, k, {qi})
        self.assertEqual(got["metric"], metric)
        self.assertEqual(got["query"], word)
        self.assertEqual([n["id"] for n in got["neighbors"]], ids)
        self.assertEqual([n["token"] for n in got["neighbors"]], [self.words[i] for i in ids])
        for n in got["neighbors"]:
            self.assertAlmostEqual(n["score"], scores[n["id"]], delta=1e-4 * max(1, abs(scores[n["id"]])))

    def test_neighbors_cosine(self):
        self.check_neighbors("king", "cosine", 10)
        self.check_neighbors("computer", "cosine", 25)

    def test_neighbors_euclidean_dot(self):
        self.check_neighbors("paris", "euclidean", 10)
        self.check_neighbors("paris", "dot", 10)

    def test_known_neighbors(self):
        # Facts about GloVe 6B 100d (see ../shared/fixtures/README.md).
        got = [n["token"] for n in run_json("neighbors", "@sample", "king", "-k", "5")["neighbors"]]
        self.assertEqual(set(got), {"prince", "queen", "son", "brother", "monarch"})

    def test_row_syntax(self):
        qi = self.words.index("king")
        a = run_json("neighbors", "@sample", "#%d" % qi)
        b = run_json("neighbors", "@sample", "king")
        self.assertEqual(a["neighbors"], b["neighbors"])

    def test_analogy(self):
        got = run_json("analogy", "@sample", "king", "man", "woman", "-k", "5")
        self.assertEqual(got["neighbors"][0]["token"], "queen")
        w = self.words
        a, b, c = (w.index(x) for x in ("king", "man", "woman"))
        unit = self.m / np.linalg.norm(self.m, axis=1, keepdims=True)
        q = unit[a] - unit[b] + unit[c]
        ids, scores = ref_neighbors(self.m, q, "cosine", 5, {a, b, c})
        self.assertEqual([n["id"] for n in got["neighbors"]], ids)
        for n in got["neighbors"]:
            self.assertAlmostEqual(n["score"], scores[n["id"]], delta=1e-4)

    def ref_pca(self):
        mean = self.m.mean(axis=0)
        x = self.m - mean
        cov = x.T @ x / (len(x) - 1)
        vals, vecs = np.linalg.eigh(cov)
        order = np.argsort(vals)[::-1]
        vals, vecs = vals[order], vecs[:, order]
        for j in range(vecs.shape[1]):
            if vecs[np.argmax(np.abs(vecs[:, j])), j] < 0:
                vecs[:, j] = -vecs[:, j]
        return vals / np.trace(cov), x @ vecs

    def test_project(self):
        ratio, coords = self.ref_pca()
        got = run_json("project", "@sample", "-n", "5")
        self.assertEqual(got["rows"], 20000)
        self.assertEqual(got["dims"], 100)
        self.assertEqual(len(got["explained_variance_ratio"]), 5)
        for g, r in zip(got["explained_variance_ratio"], ratio[:5]):
            self.assertAlmostEqual(g, r, delta=1e-5)

        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "coords.csv")
            code, _, err = run("project", "@sample", "-n", "3", "-o", out)
            self.assertEqual(code, 0, err)
            with open(out, newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["id", "token", "pc1", "pc2", "pc3"])
        self.assertEqual(len(rows), 20001)
        for r in rows[1:]:
            i = int(r[0])
            self.assertEqual(r[1], self.words[i])
        got = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
        scale = np.abs(coords[:, :3]).max()
        self.assertLess(np.abs(got - coords[:, :3]).max() / scale, 1e-4)


@unittest.skipIf(np is None, "numpy is not installed")
class WrittenFileTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        rng = np.random.default_rng(7)
        self.m = rng.normal(size=(300, 12)).astype(np.float32)
        self.words = ["w%d" % i for i in range(300)]
        self.words[3] = "naïve,\"quoted\""

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def write_glove(self, name):
        p = self.path(name)
        with open(p, "w", encoding="utf-8") as f:
            for w, v in zip(self.words, self.m):
                f.write(w + " " + " ".join(repr(float(x)) for x in v) + "\n")
        return p

    def test_glove_text(self):
        p = self.write_glove("vecs.txt")
        info = run_json("info", p)
        self.assertEqual((info["rows"], info["dims"], info["format"]), (300, 12, "glove"))
        got = run_json("neighbors", p, "w10", "-k", "7")
        m = self.m.astype(np.float64)
        ids, _ = ref_neighbors(m, m[10], "cosine", 7, {10})
        self.assertEqual([n["id"] for n in got["neighbors"]], ids)

    def test_csv_quoting(self):
        p = self.write_glove("vecs.txt")
        code, out, err = run("project", p, "-o", "-")
        self.assertEqual(code, 0, err)
        rows = list(csv.reader(io.StringIO(out)))
        self.assertEqual(rows[4][1], "naïve,\"quoted\"")
        self.assertEqual(len(rows), 301)

    def test_npy_with_vocab(self):
        p = self.path("m.npy")
        np.save(p, self.m.astype(np.float64))
        v = self.path("words.txt")
        with open(v, "w", encoding="utf-8") as f:
            f.write("\n".join(self.words) + "\n")
        info = run_json("info", p, "--vocab", v)
        self.assertEqual((info["rows"], info["dims"], info["dtype"]), (300, 12, "float64"))
        got = run_json("neighbors", p, "w42", "--vocab", v, "-k", "3", "--metric", "euclidean")
        m = self.m.astype(np.float64)
        ids, _ = ref_neighbors(m, m[42], "euclidean", 3, {42})
        self.assertEqual([n["id"] for n in got["neighbors"]], ids)
        # Without a vocabulary, tokens are row ids.
        info = run_json("info", p)
        self.assertEqual(info["vocabulary"], "row ids")

    def test_bad_inputs(self):
        p = self.write_glove("vecs.txt")
        with open(self.path("short.txt"), "w") as f:
            f.write("a 1 2 3\nb 1 2\nc 4 5 6\n")
        with open(self.path("nan.vec"), "w") as f:
            f.write("2 2\na 1 2\nb nan 3\n")
        open(self.path("empty.txt"), "w").close()
        cases = [
            (["info", self.path("missing.txt")], 1, "missing.txt"),
            (["info", self.path("short.txt")], 1, "short.txt:2"),
            (["info", self.path("nan.vec")], 1, "nan.vec:3"),
            (["info", self.path("empty.txt")], 1, "empty.txt"),
            (["info", self.tmp.name], 1, self.tmp.name),
            (["neighbors", p, "nosuchword"], 1, "nosuchword"),
            (["neighbors", p, "#300"], 1, "300"),
            (["neighbors", p], 2, "Usage"),
            (["neighbors", p, "w1", "-k", "0"], 2, "-k"),
            (["neighbors", p, "w1", "--metric", "manhattan"], 2, "manhattan"),
            (["info", p, "--format", "nosuch"], 2, "nosuch"),
            (["info", p, "--shape", "12"], 2, "shape"),
            (["project", p, "-n", "0"], 2, "-n"),
            (["project", p, "-n", "13"], 1, "12 dims"),
            (["info", p, "--no-such-option"], 2, "no-such-option"),
        ]
        for args, want, text in cases:
            code, out, err = run(*args)
            self.assertEqual(code, want, (args, out, err))
            self.assertIn(text, err, args)
            self.assertTrue(err.startswith("embedlens") or err.startswith("Usage"), err)

    def test_nan_policies(self):
        m = self.m[:8].astype(np.float64).copy()
        m[2, 3] = np.nan
        m[5, 0] = np.inf
        words = ["w%d" % i for i in range(8)]
        vec = self.path("bad.vec")
        with open(vec, "w") as f:
            f.write("8 12\n")
            for w, v in zip(words, m):
                f.write(w + " " + " ".join(repr(float(x)) for x in v) + "\n")
        npy = self.path("bad.npy")
        np.save(npy, m.astype(np.float32))
        with open(npy, "rb") as f:
            before = f.read()
        for path in (vec, npy):
            code, _, err = run("info", path)
            self.assertEqual(code, 1, err)
            self.assertIn(os.path.basename(path), err)
            self.assertIn("--nan=zero", err)
            # zero: the bad values read as 0, everything else intact.
            zeroed = np.nan_to_num(m, nan=0.0, posinf=0.0, neginf=0.0)
            got = run_json("neighbors", path, "#0", "--nan", "zero", "-k", "7")
            ids, _ = ref_neighbors(zeroed, zeroed[0], "cosine", 7, {0})
            self.assertEqual([n["id"] for n in got["neighbors"]], ids)
            # drop: rows 2 and 5 are gone, the rest renumbered.
            info = run_json("info", path, "--nan", "drop")
            self.assertEqual(info["rows"], 6)
            self.assertIn("left out", info["note"])
        # The mapped .npy was never written to.
        with open(npy, "rb") as f:
            self.assertEqual(f.read(), before)
        got = run_json("neighbors", vec, "w0", "--nan", "drop", "-k", "5")
        kept = [i for i in range(8) if i not in (2, 5)]
        ids, _ = ref_neighbors(m[kept], m[0], "cosine", 5, {0})
        self.assertEqual([n["token"] for n in got["neighbors"]], [words[kept[i]] for i in ids])
        code, _, err = run("info", vec, "--nan", "sometimes")
        self.assertEqual(code, 2)

    def test_comma_locale(self):
        # GTK sets the locale from the environment; parsing must not care.
        # Build de_DE.UTF-8 (decimal comma) here when the system lacks it.
        env = {"LC_ALL": "de_DE.UTF-8"}
        locs = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
        if not any(l.lower().replace("-", "") == "de_de.utf8" for l in locs):
            locdir = os.path.join(self.tmp.name, "locale")
            os.makedirs(locdir)
            made = subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8",
                                   os.path.join(locdir, "de_DE.UTF-8")], capture_output=True)
            if made.returncode not in (0, 1) or not os.path.isdir(os.path.join(locdir, "de_DE.UTF-8")):
                self.skipTest("cannot build a de_DE.UTF-8 locale: " + made.stderr.decode())
            env["LOCPATH"] = locdir
        check = subprocess.run(["/usr/bin/python3", "-c",
                                "import locale; locale.setlocale(locale.LC_ALL, ''); "
                                "print(locale.localeconv()['decimal_point'])"],
                               capture_output=True, text=True, env={**os.environ, **env})
        self.assertEqual(check.stdout.strip(), ",", check.stderr)
        p = self.write_glove("vecs.txt")
        got = run_json("neighbors", p, "w10", "-k", "7")
        code, out, err = run("neighbors", p, "w10", "-k", "7", "--json", env=env)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out), got)
        code, out, err = run("info", p, "--json", env=env)
        self.assertEqual(json.loads(out)["dims"], 12)


def adjusted_rand_index(a, b):
    """ARI from the contingency table (Hubert & Arabie 1985)."""
    from collections import Counter
    comb2 = lambda n: n * (n - 1) / 2
    pairs = Counter(zip(a, b))
    sum_ij = sum(comb2(v) for v in pairs.values())
    sum_a = sum(comb2(v) for v in Counter(a).values())
    sum_b = sum(comb2(v) for v in Counter(b).values())
    expected = sum_a * sum_b / comb2(len(a))
    return (sum_ij - expected) / (0.5 * (sum_a + sum_b) - expected)


@unittest.skipIf(np is None, "numpy is not installed")
class ClusterExportTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        rng = np.random.default_rng(11)
        centres = rng.normal(size=(5, 16)) * 10
        self.truth = np.repeat(np.arange(5), 120)
        self.m = (centres[self.truth] + rng.normal(size=(600, 16))).astype(np.float32)
        self.path = os.path.join(self.tmp.name, "blobs.txt")
        with open(self.path, "w") as f:
            for i, v in enumerate(self.m):
                f.write("b%d_%d " % (self.truth[i], i) + " ".join(repr(float(x)) for x in v) + "\n")

    def out(self, name):
        return os.path.join(self.tmp.name, name)

    def test_cluster_recovers_blobs(self):
        for metric in ("euclidean", "cosine"):
            code, _, err = run("cluster", self.path, "-k", "5", "--metric", metric, "-o", self.out("c.csv"))
            self.assertEqual(code, 0, err)
            with open(self.out("c.csv"), newline="") as f:
                rows = list(csv.reader(f))
            self.assertEqual(rows[0], ["id", "token", "cluster"])
            got = [int(r[2]) for r in rows[1:]]
            self.assertEqual(len(got), 600)
            self.assertAlmostEqual(adjusted_rand_index(got, list(self.truth)), 1.0, places=12)

    def test_cluster_json_and_inertia(self):
        got = run_json("cluster", self.path, "-k", "5", "--metric", "euclidean", "--seed", "3")
        self.assertEqual(got["k"], 5)
        self.assertEqual(sum(c["size"] for c in got["clusters"]), 600)
        code, _, err = run("cluster", self.path, "-k", "5", "--metric", "euclidean", "--seed", "3", "-o", self.out("c.csv"))
        with open(self.out("c.csv"), newline="") as f:
            assign = np.array([int(r[2]) for r in list(csv.reader(f))[1:]])
        m = self.m.astype(np.float64)
        inertia = sum(((m[assign == c] - m[assign == c].mean(axis=0)) ** 2).sum() for c in range(5))
        self.assertAlmostEqual(got["inertia"], inertia, delta=1e-4 * inertia)
        for c in got["clusters"]:
            self.assertEqual(len(c["label"]), 3)
            members = {("b%d_%d" % (self.truth[i], i)) for i in np.flatnonzero(assign == c["id"])}
            self.assertTrue(set(c["label"]) <= members, c)
        # The same seed gives the same answer.
        self.assertEqual(run_json("cluster", self.path, "-k", "5", "--metric", "euclidean", "--seed", "3"), got)

    def test_export_png_svg_pdf(self):
        import struct, xml.etree.ElementTree as ET
        png, svg, pdf = self.out("p.png"), self.out("p.svg"), self.out("p.pdf")
        code, _, err = run("export", self.path, "-o", png, "--size", "800x600", "--clusters", "5",
                           "--labels", "20", "--highlight", "b0_0", "--title", "Blobs")
        self.assertEqual(code, 0, err)
        with open(png, "rb") as f:
            head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(struct.unpack(">II", head[16:24]), (800, 600))
        code, _, err = run("export", self.path, "-o", svg, "--size", "640x480", "--clusters", "5", "--title", "Blobs & more")
        self.assertEqual(code, 0, err)
        root = ET.parse(svg).getroot()
        self.assertTrue(root.tag.endswith("svg"))
        texts = " ".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text"))
        self.assertIn("Blobs & more", texts)
        self.assertIn("PC1", texts)
        code, _, err = run("export", self.path, "-o", pdf, "--size", "500x400", "--theme", "dark")
        self.assertEqual(code, 0, err)
        with open(pdf, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"%PDF-"))
        self.assertIn(b"/MediaBox [ 0 0 500 400 ]", data)

    def test_export_csv_matches_project(self):
        code, _, err = run("export", self.path, "-o", self.out("p.csv"), "--clusters", "5", "--axes", "2,3")
        self.assertEqual(code, 0, err)
        code, proj, err = run("project", self.path, "-n", "3", "-o", "-")
        self.assertEqual(code, 0, err)
        with open(self.out("p.csv"), newline="") as f:
            rows = list(csv.reader(f))
        prows = list(csv.reader(io.StringIO(proj)))
        self.assertEqual(rows[0][:5], ["id", "token", "x", "y", "cluster"])
        self.assertEqual(len(rows), 601)
        for r, p in zip(rows[1:], prows[1:]):
            self.assertEqual(r[:2], p[:2])
            self.assertEqual(float(r[2]), float(p[3]))
            self.assertEqual(float(r[3]), float(p[4]))

    def test_export_errors(self):
        cases = [
            (["export", self.path], 2, "-o"),
            (["export", self.path, "-o", self.out("x.gif")], 2, "x.gif"),
            (["export", self.path, "-o", self.out("x.png"), "--size", "big"], 2, "--size"),
            (["export", self.path, "-o", self.out("x.png"), "--axes", "1,99"], 2, "--axes"),
            (["export", self.path, "-o", self.out("x.png"), "--theme", "neon"], 2, "neon"),
            (["export", self.path, "-o", self.out("x.png"), "--axes", "1,17"], 1, "16 dims"),
            (["export", self.path, "-o", os.path.join(self.tmp.name, "no", "x.png")], 1, "x.png"),
            (["cluster", self.path, "-k", "0"], 2, "-k"),
            (["cluster", self.path, "-k", "601"], 1, "601"),
            (["cluster", self.path, "--metric", "dot"], 2, "dot"),
        ]
        for args, want, text in cases:
            code, out, err = run(*args)
            self.assertEqual(code, want, (args, out, err))
            self.assertIn(text, err, args)
        self.assertFalse(os.path.exists(self.out("x.png")))


class FixtureTests(unittest.TestCase):
    def fixture(self, name):
        p = os.path.join(FIXTURES, "real", name)
        if not os.path.exists(p):
            self.skipTest("../shared/fixtures is not beside this checkout")
        return p

    def test_clear_errors(self):
        for name, text in [("gensim-pretrained.vec", "gensim-pretrained.vec:"),
                           ("candle-test.npy", "candle-test.npy")]:
            code, out, err = run("info", self.fixture(name))
            self.assertEqual(code, 1, (name, err))
            self.assertIn(text, err)

    def test_word2vec_fixture(self):
        info = run_json("info", self.fixture("gensim-word2vec_pre_kv_c"))
        self.assertEqual((info["rows"], info["dims"]), (1750, 10))


class UsageTests(unittest.TestCase):
    def test_help(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        for cmd in ("info", "neighbors", "analogy", "project", "cluster", "export"):
            self.assertIn(cmd, out)
        code, out, _ = run("neighbors", "--help")
        self.assertEqual(code, 0)
        self.assertIn("--metric", out)


if __name__ == "__main__":
    EXE = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
