#!/usr/bin/env python3
"""CLI argument tests: names and tokens as bytes, exact token bytes in
--json, -o never over an input, -k checked, ignored reading options named.

Every file is written here (numpy for .npy, struct for word2vec .bin) and
the answers come from numpy: brute-force cosine neighbours in float64.

Usage: test-cli-args.py PATH/TO/embedlens
"""
import hashlib, json, os, struct, subprocess, sys, tempfile, unittest

EXE = None

try:
    import numpy as np
except ImportError:  # numpy is installed by `make test`; without it, skip
    np = None


def run(*args):
    """Runs embedlens with args (str or bytes); returns code, stdout and
    stderr as bytes."""
    p = subprocess.run([EXE, *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    return p.returncode, p.stdout, p.stderr


def cosine_order(m, q, exclude):
    """Row ids by falling cosine to row q (ties by id), q and exclude left out."""
    s = (m @ m[q]) / (np.linalg.norm(m, axis=1) * np.linalg.norm(m[q]))
    order = np.lexsort((np.arange(len(s)), -s))
    return [int(i) for i in order if i != q and i not in exclude]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.dir = os.fsencode(self.tmp.name)
        rng = np.random.default_rng(5)
        self.m = rng.normal(size=(40, 6)).astype(np.float32)

    def path(self, name):
        return os.path.join(self.dir, name if isinstance(name, bytes) else os.fsencode(name))

    def write_glove(self, name, tokens, m=None):
        m = self.m if m is None else m
        p = self.path(name)
        with open(p, "wb") as f:
            for t, v in zip(tokens, m):
                f.write(t + b" " + " ".join(repr(float(x)) for x in v).encode() + b"\n")
        return p

    def write_w2v_bin(self, name, tokens, m=None):
        m = self.m if m is None else m
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(b"%d %d\n" % (len(tokens), m.shape[1]))
            for t, v in zip(tokens, m):
                f.write(t + b" " + struct.pack("<%df" % len(v), *v) + b"\n")
        return p

    def assert_text_stderr(self, err):
        """A message is text: valid UTF-8 with no raw control bytes."""
        text = err.decode("utf-8")  # raises on bytes that are not UTF-8
        for c in text:
            self.assertFalse(ord(c) < 0x20 and c != "\n" or ord(c) == 0x7f, repr(text))
        return text


@unittest.skipIf(np is None, "numpy is not installed")
class ByteNameTests(Base):
    """A file name that is not UTF-8 opens with every command."""

    def setUp(self):
        super().setUp()
        self.words = [b"w%d" % i for i in range(40)]
        self.name = b"vec\xff\xfe.txt"
        self.file = self.write_glove(self.name, self.words)

    def test_every_command_opens_it(self):
        out = self.path(b"out\xff.png")
        cases = [
            ["info"],
            ["neighbors", None, b"w3"],
            ["analogy", None, b"w1", b"w2", b"w3"],
            ["project"],
            ["cluster", None, "-k", "3"],
            ["export", None, "-o", out],
        ]
        for args in cases:
            argv = [args[0], self.file] + args[2:]
            code, so, se = run(*argv)
            self.assertEqual(code, 0, (argv, se))
        self.assertTrue(os.path.exists(out))
        # The answer is the file's, not just any: neighbours against numpy.
        code, so, se = run("neighbors", self.file, b"w3", "-k", "5", "--json")
        self.assertEqual(code, 0, se)
        got = json.loads(so.decode("utf-8"))
        self.assertEqual([n["id"] for n in got["neighbors"]],
                         cosine_order(self.m.astype(np.float64), 3, set())[:5])

    def test_info_names_it_escaped(self):
        code, so, se = run("info", self.file)
        self.assertEqual(code, 0, se)
        self.assertIn("vec\\xff\\xfe.txt", so.decode("utf-8"))
        vocab = self.path(b"voc\xff.txt")
        with open(vocab, "wb") as f:
            f.write(b"\n".join(b"v%d" % i for i in range(40)) + b"\n")
        np.save(os.fsdecode(self.path(b"m\xff.npy")), self.m)
        code, so, se = run("info", self.path(b"m\xff.npy"), "--vocab", vocab, "--json")
        self.assertEqual(code, 0, se)
        info = json.loads(so.decode("utf-8"))
        self.assertEqual((info["rows"], info["dims"]), (40, 6))
        self.assertTrue(info["vocabulary"].endswith("voc\\xff.txt"), info)

    def test_errors_name_it_escaped(self):
        short = self.path(b"short\xff\x01.txt")
        with open(short, "wb") as f:
            f.write(b"a 1 2 3\nb 1 2\n")
        npy = self.path(b"m\xff\x02.npy")
        np.save(os.fsdecode(npy), self.m)
        few = self.path(b"few\xff.txt")
        with open(few, "wb") as f:
            f.write(b"a\nb\n")
        cases = [
            (["info", self.path(b"gone\xff\x1b.txt")], 1, "gone\\xff\\x1b.txt"),
            (["info", short], 1, "short\\xff\\x01.txt:2"),
            (["neighbors", self.file, b"no\xffsuch\x07"], 1, "no\\xffsuch\\x07"),
            (["info", self.file, "--vocab", self.path(b"nov\xff.txt")], 1, "nov\\xff.txt"),
            (["info", npy, "--vocab", few], 1, "few\\xff.txt: has 2 tokens but "),
            (["info", npy, "--vocab", few], 1, "m\\xff\\x02.npy has 40 rows"),
            (["export", self.file, "-o", self.path(b"x\xff.gif")], 2, "x\\xff.gif"),
            (["project", self.file, "-o", os.path.join(self.dir, b"no\xff", b"x.csv")], 1, "no\\xff"),
        ]
        for args, want, text in cases:
            code, so, se = run(*args)
            self.assertEqual(code, want, (args, se))
            msg = self.assert_text_stderr(se)
            self.assertIn(text, msg, args)
            self.assertTrue(msg.startswith("embedlens"), msg)


@unittest.skipIf(np is None, "numpy is not installed")
class TokenBytesTests(Base):
    """Tokens are looked up by their bytes, and --json keeps every byte."""

    TOKENS = [b"plain", b"a\x00b", b"\x01ctl", b"caf\xff", b"q\"\\x", b"tab\x7fdel",
              b"\xe2\x82\xac", b"nl\x1bx", b"lone\x80"] + [b"t%d" % i for i in range(31)]

    def check_lookup(self, path, token, row):
        code, so, se = run("neighbors", path, token, "-k", "7", "--json")
        self.assertEqual(code, 0, (token, se))
        got = json.loads(so.decode("utf-8"))
        self.assertEqual([n["id"] for n in got["neighbors"]],
                         cosine_order(self.m.astype(np.float64), row, set())[:7])

    def test_lookup_by_bytes_word2vec_binary(self):
        p = self.write_w2v_bin("t.bin", self.TOKENS)
        for row in (3, 8, 2):
            self.check_lookup(p, self.TOKENS[row], row)

    def test_lookup_by_bytes_text(self):
        tokens = [t for t in self.TOKENS if b"\x00" not in t and b"\x1b" not in t]
        tokens += [b"pad%d" % i for i in range(40 - len(tokens))]
        p = self.write_glove(b"t\xff.txt", tokens)
        for row in (tokens.index(b"caf\xff"), tokens.index(b"lone\x80")):
            self.check_lookup(p, tokens[row], row)
        # The same bytes as text would be another token.
        code, _, se = run("neighbors", p, "café")
        self.assertEqual(code, 1, se)

    def test_json_keeps_every_byte(self):
        p = self.write_w2v_bin("t.bin", self.TOKENS)
        for args in (["neighbors", p, "t5", "-k", "39"], ["analogy", p, "t5", "t6", "t7", "-k", "37"]):
            code, so, se = run(*args, "--json")
            self.assertEqual(code, 0, se)
            got = json.loads(so.decode("utf-8"))  # valid UTF-8 and valid JSON
            self.assertEqual(len(got["neighbors"]), int(args[-1]))
            seen = set()
            for n in got["neighbors"]:
                raw = self.TOKENS[n["id"]]
                seen.add(raw)
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
                if text is not None and text.isprintable():
                    self.assertEqual(n["token"], text)
                    self.assertNotIn("raw", n)
                elif text is not None:
                    # NUL and control characters: exact in "raw".
                    self.assertEqual(n["raw"], text, n)
                    self.assertNotIn("raw_hex", n)
                    self.assertNotIn("\x00", n["token"])
                else:
                    self.assertEqual(n["raw_hex"], raw.hex(), n)
                    self.assertEqual(n["raw"], raw.decode("utf-8", "replace"), n)
                    self.assertIn("\ufffd", n["token"])
            self.assertTrue({b"a\x00b", b"\x01ctl", b"caf\xff", b"q\"\\x", b"lone\x80"} <= seen or
                            args[0] == "analogy", seen)

    def test_json_of_info_is_valid(self):
        p = self.write_w2v_bin(b"info\xff\x01.bin", self.TOKENS)
        code, so, se = run("info", p, "--json")
        self.assertEqual(code, 0, se)
        self.assertEqual(json.loads(so.decode("utf-8"))["rows"], 40)


@unittest.skipIf(np is None, "numpy is not installed")
class OutputIsInputTests(Base):
    """-o naming an input file is refused, and the input stays as it was."""

    def setUp(self):
        super().setUp()
        self.words = [b"w%d" % i for i in range(40)]

    def check_refused(self, args, out, inputs):
        before = {p: sha(p) for p in inputs}
        code, so, se = run(*args, "-o", out)
        self.assertEqual(code, 1, (args, out, se))
        msg = self.assert_text_stderr(se)
        self.assertIn("refusing", msg)
        # Naming both: the output as given and the input it is.
        self.assertIn("-o " + os.fsdecode(out) + " ", msg)
        self.assertTrue(any(msg.rstrip().endswith(os.fsdecode(p) + ": refusing to write over it")
                            for p in inputs), msg)
        for p in inputs:
            self.assertEqual(sha(p), before[p], (args, out, p))
        self.assertEqual(so, b"")

    def test_matrix(self):
        txt = self.write_glove("vecs.txt", self.words)
        sub = self.path("sub")
        os.mkdir(sub)
        link = self.path("link.txt")
        os.symlink(txt, link)
        hard = self.path("hard.txt")
        os.link(txt, hard)
        spellings = [txt, os.path.join(sub, b"..", b"vecs.txt"), os.path.join(self.dir, b".", b"vecs.txt"),
                     link, hard]
        for cmd in (["project", txt], ["cluster", txt, "-k", "2"], ["export", txt]):
            for out in spellings:
                self.check_refused(cmd, out, [txt])
        # A symlink as the input, the real file as the output.
        self.check_refused(["project", link], txt, [txt, link])
        self.assertTrue(os.path.islink(link))

    def test_npy_and_its_vocabulary(self):
        npy = self.path("m.npy")
        np.save(os.fsdecode(npy), self.m)
        vocab = self.path("words.txt")
        with open(vocab, "wb") as f:
            f.write(b"\n".join(self.words) + b"\n")
        beside = self.path("m.vocab.txt")
        with open(beside, "wb") as f:
            f.write(b"\n".join(self.words) + b"\n")
        self.check_refused(["project", npy, "--vocab", vocab], vocab, [npy, vocab])
        self.check_refused(["project", npy, "--vocab", vocab], npy, [npy, vocab])
        # The vocabulary found beside the matrix is an input too.
        code, so, _ = run("info", npy, "--json")
        self.assertTrue(json.loads(so)["vocabulary"].endswith("m.vocab.txt"))
        self.check_refused(["cluster", npy, "-k", "2"], beside, [npy, beside])

    def test_projector_config_files(self):
        tsv = self.path("tensor.tsv")
        with open(tsv, "w") as f:
            for v in self.m:
                f.write("\t".join(repr(float(x)) for x in v) + "\n")
        meta = self.path("meta.tsv")
        with open(meta, "wb") as f:
            f.write(b"\n".join(self.words) + b"\n")
        cfg = self.path("projector.json")
        with open(cfg, "w") as f:
            json.dump({"embeddings": [{"tensorName": "t", "tensorPath": "tensor.tsv",
                                       "metadataPath": "meta.tsv"}]}, f)
        for out in (tsv, meta, cfg):
            self.check_refused(["project", cfg], out, [cfg, tsv, meta])

    def test_other_outputs_still_written(self):
        txt = self.write_glove("vecs.txt", self.words)
        before = sha(txt)
        out = self.path("vecs.csv")
        code, so, se = run("project", txt, "-o", out)
        self.assertEqual(code, 0, se)
        # Written again over an earlier output: that is no input.
        code, so, se = run("project", txt, "-o", out)
        self.assertEqual(code, 0, se)
        with open(out, "rb") as f:
            self.assertTrue(f.read().startswith(b"id,token,pc1,pc2\n"))
        self.assertEqual(sha(txt), before)


@unittest.skipIf(np is None, "numpy is not installed")
class KTests(Base):
    def setUp(self):
        super().setUp()
        self.file = self.write_glove("vecs.txt", [b"w%d" % i for i in range(40)])

    def test_bad_k_is_a_usage_error(self):
        for value in ("-1", "0", "abc", str(10 ** 30), "2.5", "", "-0"):
            for cmd in (["neighbors", self.file, "w1"], ["analogy", self.file, "w1", "w2", "w3"],
                        ["cluster", self.file]):
                code, so, se = run(*cmd, "-k", value)
                self.assertEqual(code, 2, (cmd, value, se))
                msg = self.assert_text_stderr(se)
                self.assertIn("-k", msg)
                self.assertIn("'%s'" % value, msg)
                self.assertEqual(so, b"")

    def test_k_past_the_rows(self):
        code, so, se = run("neighbors", self.file, "w1", "-k", "1000", "--json")
        self.assertEqual(code, 0, se)
        got = json.loads(so)
        self.assertEqual([n["id"] for n in got["neighbors"]],
                         cosine_order(self.m.astype(np.float64), 1, set()))
        self.assertIn("39", se.decode())
        self.assertIn("1000", se.decode())
        code, so, se = run("neighbors", self.file, "w1", "-k", str(2 ** 31 - 1), "--json")
        self.assertEqual(code, 0, se)
        self.assertEqual(len(json.loads(so)["neighbors"]), 39)
        # k-means cannot make more clusters than rows: said, naming both.
        code, so, se = run("cluster", self.file, "-k", "41")
        self.assertEqual(code, 1, se)
        self.assertIn("40 rows", se.decode())
        self.assertIn("41", se.decode())
        # No -k: the default 10, with no note.
        code, so, se = run("neighbors", self.file, "w1", "--json")
        self.assertEqual(code, 0, se)
        self.assertEqual(len(json.loads(so)["neighbors"]), 10)
        self.assertEqual(se, b"")


@unittest.skipIf(np is None, "numpy is not installed")
class IgnoredOptionTests(Base):
    def test_shape_for_npy(self):
        npy = self.path("m.npy")
        np.save(os.fsdecode(npy), self.m)
        code, so, se = run("info", npy, "--shape", "20x12", "--json")
        self.assertEqual(code, 0, se)
        info = json.loads(so)
        self.assertEqual((info["rows"], info["dims"]), (40, 6))
        msg = se.decode()
        self.assertIn("--shape is ignored", msg)
        self.assertIn("NumPy .npy", msg)
        code, so, se = run("info", npy, "--json")
        self.assertEqual(se, b"")

    def test_tensor_for_text_and_shape_for_bytes(self):
        txt = self.write_glove("vecs.txt", [b"w%d" % i for i in range(40)])
        code, so, se = run("info", txt, "--tensor", "emb")
        self.assertEqual(code, 0, se)
        self.assertIn("--tensor is ignored", se.decode())
        self.assertIn("GloVe text", se.decode())
        # Where it applies, --shape is used and not named.
        raw = self.path("m.bytes")
        with open(raw, "wb") as f:
            f.write(self.m.astype("<f4").tobytes())
        code, so, se = run("info", raw, "--shape", "40x6", "--json")
        self.assertEqual(code, 0, se)
        self.assertEqual(json.loads(so)["rows"], 40)
        self.assertNotIn(b"ignored", se)


if __name__ == "__main__":
    EXE = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
