#!/usr/bin/env python3
"""The Python peer: what a user would script with numpy + scikit-learn.

Times the same stages as bench-core on the same files and prints one JSON
object of medians (seconds) on stdout.  Needs /usr/bin/python3 with numpy
and scikit-learn (Debian: python3-sklearn).

Usage: peer.py GLOVE.txt GLOVE.npy VOCAB.txt RUNS
"""
import json, statistics, sys, time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors


def median_time(fn, runs):
    times = []
    out = None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def parse_text(path):
    words, rows = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip().split(" ")
            words.append(parts[0])
            rows.append(np.asarray(parts[1:], dtype=np.float32))
    return words, np.vstack(rows)


def main():
    txt, npy, vocab, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    res = {}
    res["parse_text"], (words, _) = median_time(lambda: parse_text(txt), max(1, runs // 2))
    res["open_npy"], m = median_time(lambda: np.load(npy), runs)
    index = {w: i for i, w in enumerate(words)}
    res["pca"], _ = median_time(lambda: PCA(n_components=10, svd_solver="full").fit_transform(m), max(1, runs // 2))
    nn = NearestNeighbors(n_neighbors=11, metric="cosine", algorithm="brute").fit(m)
    q = m[index["king"]][None, :]
    res["query"], _ = median_time(lambda: nn.kneighbors(q), runs)

    def analogy():
        unit = m / np.linalg.norm(m, axis=1, keepdims=True)
        a, b, c = (index[w] for w in ("king", "man", "woman"))
        s = unit @ (unit[a] - unit[b] + unit[c])
        s[[a, b, c]] = -np.inf
        return words[int(np.argmax(s))]
    res["analogy"], top = median_time(analogy, runs)
    res["analogy_top"] = top
    print(json.dumps(res))


if __name__ == "__main__":
    main()
