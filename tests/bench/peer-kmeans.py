#!/usr/bin/env python3
"""The Python peer of bench-kmeans: scikit-learn's KMeans on the same .npy.

sklearn.cluster.KMeans(n_clusters=20, n_init=1, max_iter=50, random_state=0)
on every row (euclidean), timed RUNS times; prints one JSON object with the
median seconds, and the inertia and iterations of the last run.

Usage: peer-kmeans.py GLOVE.npy RUNS
"""
import json, statistics, sys, time

import numpy as np
from sklearn.cluster import KMeans


def main():
    npy, runs = sys.argv[1], int(sys.argv[2])
    m = np.load(npy)
    times, km = [], None
    for _ in range(runs):
        t = time.perf_counter()
        km = KMeans(n_clusters=20, n_init=1, max_iter=50, random_state=0).fit(m)
        times.append(time.perf_counter() - t)
    print(json.dumps({
        "seconds": statistics.median(times),
        "inertia": float(km.inertia_),
        "n_iter": int(km.n_iter_),
    }))


if __name__ == "__main__":
    main()
