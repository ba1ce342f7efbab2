#!/usr/bin/env python3
"""A file cut short while the command line reads it: never a crash.

Writes one 200 MB float32 matrix as .npy, safetensors and word2vec .bin
(numpy writes the bytes; the layouts are the formats' own), then runs
`neighbors FILE '#0'` and `project FILE` many times while this process
truncates the file at a different moment each time: before the command
opens it, while it reads, while it computes, after it is done.  Each run
must end by itself (no signal) with either the right answer (numpy's
brute-force cosine neighbours, numpy's PCA) or exit status 1 and a message
naming the file.  Some runs must be caught in the middle, saying the file
"changed on disk".

Usage: test-truncate.py PATH/TO/embedlens
"""
import json, os, shutil, struct, subprocess, sys, tempfile, time, unittest

try:
    import numpy as np
except ImportError:  # numpy is installed by `make test`; without it, skip
    np = None

EXE = None
ROWS, DIMS, K = 250_000, 200, 5
TRIALS_PER_CASE = 5


def write_npy(path, m):
    np.save(path, m)


def write_safetensors(path, m):
    header = json.dumps({"emb.weight": {"dtype": "F32", "shape": list(m.shape),
                                        "data_offsets": [0, m.nbytes]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        f.write(m.tobytes())  # float32, little-endian on this machine


def write_word2vec_bin(path, m):
    rows = np.zeros(m.shape[0], dtype=[("w", "S8"), ("v", "<f4", (m.shape[1],)), ("nl", "S1")])
    rows["w"] = [b"w%06d " % i for i in range(m.shape[0])]
    rows["v"] = m
    rows["nl"] = b"\n"
    with open(path, "wb") as f:
        f.write(b"%d %d\n" % m.shape)
        f.write(rows.tobytes())


@unittest.skipIf(np is None, "numpy is not installed")
class TruncateTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        base = os.environ.get("G_TEST_BUILDDIR") or None
        cls.tmp = tempfile.TemporaryDirectory(prefix="embedlens-truncate-", dir=base)
        rng = np.random.default_rng(7)
        # Columns of different spread, so that the principal components
        # stand apart and a wrong one shows.
        cls.m = rng.random((ROWS, DIMS), dtype=np.float32)
        cls.m *= np.linspace(3.0, 1.0, DIMS, dtype=np.float32)
        cls.files = {}
        for name, writer in (("big.npy", write_npy), ("big.safetensors", write_safetensors),
                             ("big.bin", write_word2vec_bin)):
            path = os.path.join(cls.tmp.name, name)
            writer(path, cls.m)
            cls.files[name] = path
        # The answers, from numpy: cosine scores in float32, the best
        # hundred again in float64; the spectrum of the centred Gram matrix.
        m = cls.m
        s = (m @ m[0]) / np.linalg.norm(m, axis=1)
        s[0] = -np.inf
        top = np.argsort(-s)[:100]
        x = m[top].astype(np.float64)
        q = m[0].astype(np.float64)
        exact = (x @ q) / np.linalg.norm(x, axis=1)
        cls.neighbors = [int(top[i]) for i in np.argsort(-exact, kind="stable")[:K]]
        mu = m.mean(axis=0, dtype=np.float64)
        gram = (m.T @ m).astype(np.float64) - ROWS * np.outer(mu, mu)
        ev = np.linalg.eigvalsh(gram)[::-1]
        cls.explained = ev[:2] / ev.sum()
        cls.caught = 0

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        # Across all cases, some truncations must have landed mid-run.
        assert cls.caught > 0, "no run saw its file change: the test did not test"

    def command(self, case, path):
        if case == "project":
            return [EXE, "project", path, "--json"]
        return [EXE, "neighbors", path, "#0", "-k", str(K), "--json"]

    def check_answer(self, case, out):
        got = json.loads(out)
        if case == "project":
            for a, b in zip(got["explained_variance_ratio"], self.explained):
                self.assertAlmostEqual(a, b, delta=1e-4)
        else:
            self.assertEqual([n["id"] for n in got["neighbors"]], self.neighbors)

    def run_cut(self, case, source):
        work = source + ".work"
        # How long one run takes, untouched (and that its answer is right).
        start = time.monotonic()
        p = subprocess.run(self.command(case, source), capture_output=True, timeout=120)
        span = time.monotonic() - start
        self.assertEqual(p.returncode, 0, p.stderr)
        self.check_answer(case, p.stdout)

        size = os.path.getsize(source)
        for t in range(TRIALS_PER_CASE):
            shutil.copyfile(source, work)
            proc = subprocess.Popen(self.command(case, work), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
            # From just after the start to past the end of an untouched run.
            time.sleep(span * (0.1 + 1.2 * t / (TRIALS_PER_CASE - 1)))
            os.truncate(work, (0, 4096, size // 2, size // 4, 1 << 20)[t])
            out, err = proc.communicate(timeout=120)
            err = err.decode("utf-8", "replace")
            self.assertGreaterEqual(proc.returncode, 0, "killed by signal %d: %s" % (-proc.returncode, err))
            if proc.returncode == 0:
                self.check_answer(case, out)
            else:
                self.assertEqual(proc.returncode, 1, err)
                self.assertTrue(err.startswith("embedlens: " + work + ":"), err)
                self.assertEqual(err.count("\n"), 1, err)
                if "changed on disk" in err:
                    type(self).caught += 1
        os.unlink(work)

    def test_npy_neighbors(self):
        self.run_cut("neighbors", self.files["big.npy"])

    def test_safetensors_neighbors(self):
        self.run_cut("neighbors", self.files["big.safetensors"])

    def test_word2vec_bin_neighbors(self):
        self.run_cut("neighbors", self.files["big.bin"])

    def test_npy_project(self):
        self.run_cut("project", self.files["big.npy"])


if __name__ == "__main__":
    EXE = sys.argv.pop(1)
    unittest.main(verbosity=2)
