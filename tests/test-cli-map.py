#!/usr/bin/env python3
"""`embedlens project --method tsne|umap` and `export --method` from outside.

Blobs written by numpy must come out of the CSV as blobs (a 5-nearest-
neighbour classifier computed here with numpy), the same seed must give a
byte-identical CSV, --json must hold the parameters, the time and a
trustworthiness that scikit-learn's sklearn.manifold.trustworthiness (when
installed) computes the same on the CSV's coordinates, and bad options get
usage errors (exit 2), options the file cannot meet an error naming it
(exit 1).

Usage: test-cli-map.py PATH/TO/embedlens
"""
import csv, io, json, os, subprocess, sys, tempfile, unittest

EXE = None

try:
    import numpy as np
except ImportError:  # numpy is installed by `make test`; without it, skip
    np = None

try:
    from sklearn.manifold import trustworthiness as sk_trustworthiness
except ImportError:
    sk_trustworthiness = None


def run(*args):
    p = subprocess.run([EXE, *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=600)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


def blobs(rng, n_blobs=8, per=75, d=20):
    centres = rng.standard_normal((n_blobs, d)) * 10
    x = np.repeat(centres, per, axis=0) + rng.standard_normal((n_blobs * per, d))
    labels = np.repeat(np.arange(n_blobs), per)
    return x.astype(np.float32), labels


def knn_accuracy(y, labels, k=5):
    d = ((y[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    near = np.argsort(d, axis=1)[:, :k]
    votes = labels[near]
    pred = np.array([np.bincount(v).argmax() for v in votes])
    return (pred == labels).mean()


def read_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], np.array([[float(v) for v in r[2:]] for r in rows[1:]])


@unittest.skipIf(np is None, "numpy is not installed")
class MapTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        rng = np.random.default_rng(5)
        cls.x, cls.labels = blobs(rng)
        cls.npy = os.path.join(cls.tmp.name, "blobs.npy")
        np.save(cls.npy, cls.x)
        cls.tiny = os.path.join(cls.tmp.name, "tiny.npy")
        np.save(cls.tiny, cls.x[:40])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def out(self, name):
        return os.path.join(self.tmp.name, name)

    def test_maps_keep_blobs(self):
        for method in ("tsne", "umap"):
            with self.subTest(method=method):
                path = self.out(method + ".csv")
                code, stdout, err = run("project", self.npy, "--method", method, "-o", path)
                self.assertEqual(code, 0, err)
                self.assertIn("trustworthiness@10", stdout)
                with open(path, encoding="utf-8") as f:
                    header, y = read_csv(f.read())
                self.assertEqual(header, ["id", "token", "x", "y"])
                self.assertEqual(y.shape, (len(self.x), 2))
                self.assertTrue(np.isfinite(y).all())
                self.assertGreaterEqual(knn_accuracy(y, self.labels), 0.95)

    def test_same_seed_same_bytes(self):
        for method in ("tsne", "umap"):
            with self.subTest(method=method):
                texts = []
                for _ in range(2):
                    code, stdout, err = run("project", self.npy, "--method", method,
                                            "--iterations", "120", "--seed", "9", "-o", "-")
                    self.assertEqual(code, 0, err)
                    texts.append(stdout)
                self.assertEqual(texts[0], texts[1])

    def test_json_and_trustworthiness(self):
        path = self.out("tsne-json.csv")
        code, stdout, err = run("project", self.npy, "--method", "tsne", "--perplexity", "20",
                                "-m", "euclidean", "--json", "-o", path)
        self.assertEqual(code, 0, err)
        info = json.loads(stdout)
        self.assertEqual(info["method"], "tsne")
        self.assertEqual(info["perplexity"], 20)
        self.assertEqual(info["rows"], len(self.x))
        self.assertEqual(info["graph"]["k"], 60)
        self.assertTrue(info["graph"]["exact"])
        self.assertGreater(info["seconds"]["total"], 0)
        t = info["trustworthiness"]
        self.assertEqual((t["k"], t["rows"]), (10, len(self.x)))
        self.assertGreater(t["value"], 0.9)
        if sk_trustworthiness is not None:
            with open(path, encoding="utf-8") as f:
                _, y = read_csv(f.read())
            want = sk_trustworthiness(self.x.astype(np.float64), y, n_neighbors=10)
            self.assertAlmostEqual(t["value"], want, delta=2e-3)

    def test_three_dims(self):
        code, stdout, err = run("project", self.npy, "--method", "umap", "-n", "3", "-o", "-")
        self.assertEqual(code, 0, err)
        header, y = read_csv(stdout)
        self.assertEqual(header, ["id", "token", "x", "y", "z"])
        self.assertGreaterEqual(knn_accuracy(y, self.labels), 0.95)

    def test_export(self):
        path = self.out("umap.png")
        code, stdout, err = run("export", self.npy, "--method", "umap", "--clusters", "8", "-o", path)
        self.assertEqual(code, 0, err)
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_bad_options(self):
        for args in (["--method", "mds"], ["--method", "tsne", "--perplexity", "0"],
                     ["--method", "tsne", "-n", "4"], ["--method", "umap", "--neighbors", "1"],
                     ["--method", "umap", "-m", "dot"], ["--method", "umap", "--min-dist", "-1"]):
            with self.subTest(args=args):
                code, _, err = run("project", self.npy, *args)
                self.assertEqual(code, 2, err)
                self.assertIn("embedlens:", err)

    def test_too_few_rows(self):
        code, _, err = run("project", self.tiny, "--method", "tsne")
        self.assertEqual(code, 1, err)
        self.assertIn("tiny.npy", err)
        self.assertIn("perplexity 30 needs more than 91 rows; the table has 40", err)
        # A perplexity that fits runs.
        code, stdout, err = run("project", self.tiny, "--method", "tsne", "--perplexity", "10", "-o", "-")
        self.assertEqual(code, 0, err)


if __name__ == "__main__":
    EXE = sys.argv.pop(1)
    unittest.main()
