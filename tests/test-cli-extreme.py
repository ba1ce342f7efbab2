#!/usr/bin/env python3
"""CLI tests on extreme values: every command on matrices near the limits of
float (values near 3e38, near 2e19 whose squares overflow float, denormals),
constant, zero and rank-1 matrices, and wide ones.

Each command, with --json and without, must exit 0 or 1 (1 with a message
naming the file), print valid JSON with --json (json.loads, which refuses
the inf and nan that are not JSON), and never print inf or nan at all.
Neighbour orders are checked against numpy in float64 on the same file, and
PCA of wide matrices (the Gram path) and of a tall one against numpy's SVD
of the centred matrix in float64.

Usage: test-cli-extreme.py PATH/TO/embedlens
"""
import itertools, json, math, os, re, subprocess, sys, tempfile, unittest

EXE = None

try:
    import numpy as np
except ImportError:  # numpy is installed by `make test`; without it, skip
    np = None


def run(*args):
    p = subprocess.run([EXE, *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=240)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


NON_FINITE = re.compile(r"\b(-?inf|nan)\b", re.IGNORECASE)


def extreme_matrices(rng):
    """name -> float32 matrix: 40 x 6 unless said otherwise."""
    base = np.tanh(rng.standard_normal((40, 6)))
    mixed = base.copy()
    mixed[::3] *= 1e19
    mixed[1::3] *= 1e-20
    zero_rows = base.copy()
    zero_rows[[0, 5, 17]] = 0.0
    dup = base.copy()
    dup[[10, 20, 30]] = dup[3]          # ties: equal scores, ranked by id
    return {
        "huge": base * 3.4e38,
        "huge-dup": dup * 3.0e38,
        "sqrt-max": base * 2e19,
        "denormal": base * 1e-38,
        "tiny": base * 1e-44,
        "mixed": mixed,
        "constant": np.full((40, 6), 7.25),
        "zero": np.zeros((40, 6)),
        "zero-rows": zero_rows,
        "rank1": np.outer(rng.standard_normal(40), rng.standard_normal(6)) * 1e19,
        "wide": rng.standard_normal((3, 5000)),
    }


def ref_scores(m, q, metric):
    """Scores in float64, and the order: best first, ties by lower id."""
    ids = np.arange(len(m))
    if metric == "cosine":
        nm = np.linalg.norm(m, axis=1)
        nq = np.linalg.norm(q)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where((nm > 0) & (nq > 0), (m @ q) / (nm * nq), 0.0)
        s = np.clip(s, -1.0, 1.0)
        return s, np.lexsort((ids, -s))
    if metric == "dot":
        s = m @ q
        return s, np.lexsort((ids, -s))
    s = np.linalg.norm(m - q, axis=1)
    return s, np.lexsort((ids, s))


@unittest.skipIf(np is None, "numpy is not installed")
class ExtremeTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.files = {}
        for name, m in extreme_matrices(np.random.default_rng(11)).items():
            path = os.path.join(cls.tmp.name, name + ".npy")
            np.save(path, np.asarray(m, dtype="<f4"))
            cls.files[name] = path

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def commands(self, path, n):
        out = os.path.join(self.tmp.name, "out")
        cmds = [["info", path]]
        for metric in ("cosine", "dot", "euclidean"):
            cmds.append(["neighbors", path, "#1", "-m", metric, "-k", "5"])
        cmds.append(["analogy", path, "#0", "#1", "#2"])
        cmds.append(["project", path])
        cmds.append(["project", path, "-o", out + ".csv"])
        cmds.append(["cluster", path, "-k", "3"])
        cmds.append(["cluster", path, "-k", "3", "-m", "euclidean"])
        cmds.append(["export", path, "-o", out + ".png", "--size", "320x240", "--clusters", "3"])
        cmds.append(["export", path, "-o", out + ".svg", "--size", "320x240"])
        cmds.append(["export", path, "-o", out + ".csv"])
        return cmds

    def test_every_command(self):
        for name, path in self.files.items():
            n = np.load(path).shape[0]
            for cmd in self.commands(path, n):
                for json_flag in (True, False):
                    args = cmd + (["--json"] if json_flag else [])
                    with self.subTest(file=name, args=" ".join(args[:1] + args[2:])):
                        code, out, err = run(*args)
                        self.assertIn(code, (0, 1), err)
                        if code == 1:
                            self.assertIn(path, err)
                            continue
                        self.assertIsNone(NON_FINITE.search(out), out)
                        if json_flag:
                            doc = json.loads(out)
                            self.assertIsInstance(doc, dict)

    def test_neighbor_order(self):
        """The top 3 and every row ranked, in every metric, against float64."""
        for name, path in self.files.items():
            m = np.load(path).astype(np.float64)
            n = len(m)
            for metric, row, k in itertools.product(("cosine", "dot", "euclidean"),
                                                    sorted({1, min(3, n - 1), n - 1}),
                                                    sorted({min(3, n - 1), n - 1})):
                    # A small k is answered from the fast scan's candidates.
                    with self.subTest(file=name, metric=metric, row=row, k=k):
                        code, out, err = run("neighbors", path, "#%d" % row, "-m", metric,
                                             "-k", str(k), "--json")
                        self.assertEqual(code, 0, err)
                        got = json.loads(out)["neighbors"]
                        s, order = ref_scores(m, m[row], metric)
                        want = [i for i in order if i != row][:k]
                        self.assertEqual(len(got), len(want))
                        scale = max(np.abs(s).max(), np.finfo(np.float64).tiny)
                        ids = [g["id"] for g in got]
                        for pos, g in enumerate(got):
                            self.assertTrue(math.isfinite(g["score"]))
                            # Its reference score is that of the reference's
                            # row at the same place (equal but for rounding).
                            self.assertLessEqual(abs(s[g["id"]] - s[want[pos]]), 1e-12 * scale,
                                                 (pos, ids[:8], want[:8]))
                            self.assertLessEqual(abs(g["score"] - s[g["id"]]), 1e-9 * scale)
                        # Equal scores go to the lower id.
                        for a, b in zip(got, got[1:]):
                            if a["score"] == b["score"]:
                                self.assertLess(a["id"], b["id"])
                        if name == "huge-dup" and row == 3 and k == n - 1:
                            for dup in (10, 20, 30):
                                self.assertIn(dup, ids)

    def check_pca(self, x, k):
        path = os.path.join(self.tmp.name, "pca-%dx%d.npy" % x.shape)
        np.save(path, x.astype("<f4"))
        xd = np.load(path).astype(np.float64)
        xc = xd - xd.mean(axis=0)
        u, sv, _ = np.linalg.svd(xc, full_matrices=False)
        var = sv ** 2 / (len(xd) - 1)
        ratio = var / var.sum()
        csv = os.path.join(self.tmp.name, "pca.csv")
        code, out, err = run("project", path, "-n", str(k), "-o", csv, "--json")
        self.assertEqual(code, 0, err)
        got = np.array(json.loads(out)["explained_variance_ratio"])
        np.testing.assert_allclose(got, ratio[:k], rtol=0, atol=1e-6)
        coords = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=range(2, 2 + k), ndmin=2)
        want = u[:, :k] * sv[:k]
        for c in range(k):
            if ratio[c] < 1e-9:
                np.testing.assert_allclose(coords[:, c], 0.0, atol=1e-4 * sv[0])
                continue
            sign = 1.0 if np.dot(coords[:, c], want[:, c]) >= 0 else -1.0
            np.testing.assert_allclose(sign * coords[:, c], want[:, c], rtol=0,
                                       atol=2e-5 * np.abs(want[:, c]).max())

    @staticmethod
    def spectrum_matrix(rng, n, d, s):
        """Rows with well separated principal variances s (plus a little
        noise and an offset), so the components are well defined."""
        r = len(s)
        a = rng.standard_normal((n, r))
        b = np.linalg.qr(rng.standard_normal((d, r)))[0].T
        return 3.0 + (a * s) @ b + 1e-3 * rng.standard_normal((n, d))

    def test_pca_wide(self):
        rng = np.random.default_rng(5)
        self.check_pca(self.spectrum_matrix(rng, 50, 3000, [40.0, 20.0, 10.0, 5.0]), 3)
        self.check_pca(self.spectrum_matrix(rng, 3, 200000, [40.0, 10.0]), 3)

    def test_pca_tall(self):
        rng = np.random.default_rng(6)
        self.check_pca(self.spectrum_matrix(rng, 500, 40, [40.0, 20.0, 10.0, 5.0]), 3)


if __name__ == "__main__":
    EXE = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
