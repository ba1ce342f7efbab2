#!/usr/bin/python3
"""bench-map.py: the t-SNE and UMAP maps of `embedlens project` against
their Python peers, scikit-learn's TSNE and umap-learn's UMAP.

Each case times our whole process (median over --runs, each run a fresh
child whose peak resident size is read from getrusage), runs the peer once in
a child of its own (with a timeout), and scores both maps with the same
function: sklearn.manifold.trustworthiness at k = 10, cosine, on one
seeded sample of 5,000 of the original rows.  The machine's float32 matrix
product speed (numpy, 4096 x 4096) is measured in the same run, since it
varies a lot from day to day on a shared machine.  (The time to a first
frame is not measurable from the command line and is not reported.)

Cases:
  glove20k-tsne   first 20,000 GloVe rows, ours vs sklearn TSNE
  glove20k-umap   first 20,000 GloVe rows, ours vs umap-learn UMAP
  glove341k-tsne  all 341,479 GloVe rows, ours only (target 180 s)
  glove341k-umap  all 341,479 GloVe rows, ours only (target 120 s)
  gpt2size-tsne   a synthetic 50,257 x 768 matrix, ours only (target 40 s)

Usage: bench-map.py PATH/TO/embedlens DATADIR [--cases A,B,...] [--runs R]
                    [--make-glove PATH/TO/make-glove.py]
DATADIR must hold glove-100d.npy (built with --make-glove when it does
not); glove-20000.npy and the synthetic matrix are written there once.
Exits 77 (skipped) when the GloVe set is absent and cannot be built, or
the binary has no `project --method`; 1 when one of our maps failed (the
other cases still run and the table is printed).

Internal: bench-map.py --peer tsne|umap NPY OUT.npy runs one peer fit.
"""
import argparse, csv, json, os, shutil, signal, statistics, subprocess
import sys, tempfile, time

import numpy as np

METRIC = "cosine"
TRUST_K = 10
TRUST_ROWS = 5000
TRUST_SEED = 12345
PEER_THREADS = 2
GPT2_ROWS, GPT2_COLS = 50257, 768

# name: (data set, method, peer?, target seconds or None, default runs)
CASES = {
    "glove20k-tsne": ("glove20k", "tsne", True, None, 3),
    "glove20k-umap": ("glove20k", "umap", True, None, 3),
    "glove341k-tsne": ("glove341k", "tsne", False, 180, 1),
    "glove341k-umap": ("glove341k", "umap", False, 120, 1),
    "gpt2size-tsne": ("gpt2size", "tsne", False, 40, 1),
}
# Our runs give up after this long (a broken or very slow build must not
# hold `make bench` for ever); the peers after theirs.
OURS_TIMEOUT = {"glove20k": 300, "glove341k": 600, "gpt2size": 240}
PEER_TIMEOUT = {"tsne": 1200, "umap": 600}


def log(*a):
    print(*a, flush=True)


# ---- the peers, run in a child of their own --------------------------------

def tsne_learning_rate(n):
    """Ours: max(200, n / 12), i.e. n / early exaggeration."""
    return max(200.0, n / 12.0)


def peer_main(method, npy, out):
    x = np.load(npy)
    t0 = time.perf_counter()
    if method == "tsne":
        import inspect
        from sklearn.manifold import TSNE
        kw = dict(n_components=2, perplexity=30.0, init="pca", metric=METRIC,
                  learning_rate=tsne_learning_rate(x.shape[0]), random_state=1)
        params = inspect.signature(TSNE).parameters
        if "n_jobs" in params:
            kw["n_jobs"] = PEER_THREADS
        # Ours runs 750 iterations, 250 of them with exaggeration 12 (as
        # sklearn's own first stage); sklearn renamed n_iter to max_iter.
        kw["max_iter" if "max_iter" in params else "n_iter"] = 750
        emb = TSNE(**kw).fit_transform(x)
        import sklearn
        version = "sklearn " + sklearn.__version__
    else:
        import umap
        emb = umap.UMAP(n_neighbors=15, min_dist=0.1, metric=METRIC, init="spectral",
                        random_state=None, n_jobs=PEER_THREADS).fit_transform(x)
        version = "umap-learn " + umap.__version__
    fit = time.perf_counter() - t0
    np.save(out, np.asarray(emb, dtype=np.float32))
    print(json.dumps({"fit_seconds": fit, "version": version}))


# ---- running a child, timed, with its own peak resident size ---------------

# A small process between us and the child: a forked child's peak resident
# size counts the parent's pages until exec, and this one is small, so the
# figure it reports (for its one child) is the child's own.
WRAPPER = """import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
t = time.perf_counter() - t
with open(sys.argv[1], "w") as f:
    f.write("%d %.6f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, t))
sys.exit(rc if rc >= 0 else 128 - rc)
"""


def run_measured(cmd, timeout, env=None):
    """Runs cmd in a fresh child; returns rc, wall seconds, peak RSS (MB),
    stdout, stderr and whether it timed out."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe, \
         tempfile.NamedTemporaryFile("r", suffix=".rusage") as fr:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen([sys.executable, "-c", WRAPPER, fr.name] + cmd,
                                 stdout=fo, stderr=fe, env=env, start_new_session=True)
        except OSError as e:
            return {"rc": None, "seconds": 0.0, "rss_mb": None, "stdout": "",
                    "stderr": str(e), "timed_out": False}
        timed_out = False
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        seconds = time.perf_counter() - t0
        rss_mb = None
        got = fr.read().split()
        if len(got) == 2:
            rss_mb, seconds = int(got[0]) / 1024.0, float(got[1])
        fo.seek(0)
        fe.seek(0)
        return {"rc": p.returncode, "seconds": seconds, "rss_mb": rss_mb,
                "stdout": fo.read().decode("utf-8", "replace"),
                "stderr": fe.read().decode("utf-8", "replace"), "timed_out": timed_out}


def tail(text, lines=8):
    return "\n".join("    | " + l for l in text.strip().splitlines()[-lines:])


# ---- data -------------------------------------------------------------------

def ensure_glove(datadir, make_glove):
    npy = os.path.join(datadir, "glove-100d.npy")
    if os.path.exists(npy):
        return npy
    if not make_glove or not os.path.exists(make_glove):
        log("SKIP: %s is absent and make-glove.py was not found (%s)" % (npy, make_glove))
        sys.exit(77)
    log("building the GloVe benchmark set in %s ..." % datadir)
    if subprocess.run([sys.executable, make_glove, datadir]).returncode != 0 \
       or not os.path.exists(npy):
        log("SKIP: could not build %s (make-glove.py needs npm and the network)" % npy)
        sys.exit(77)
    return npy


def ensure_glove20k(datadir, glove):
    out = os.path.join(datadir, "glove-20000.npy")
    if not os.path.exists(out):
        m = np.load(glove, mmap_mode="r")
        write_npy_once(out, np.ascontiguousarray(m[:20000]))
        vocab = os.path.join(datadir, "glove-100d.vocab.txt")
        if os.path.exists(vocab):
            with open(vocab, encoding="utf-8", newline="") as f, \
                 open(os.path.join(datadir, "glove-20000.vocab.txt"), "w",
                      encoding="utf-8", newline="") as g:
                for _, line in zip(range(20000), f):
                    g.write(line)
    return out


def write_npy_once(path, array):
    tmp = path + ".tmp.npy"
    np.save(tmp, array)
    os.replace(tmp, path)


def ensure_gpt2size(datadir):
    """A seeded synthetic stand-in for GPT-2's token embedding (no real
    weights are offline): 500 Gaussian clusters of Zipf-like sizes, each
    with its own axis scales on a decaying spectrum, then one random
    rotation so the structure lies along no axis."""
    out = os.path.join(datadir, "synthetic-gpt2size-50257x768.npy")
    if os.path.exists(out):
        return out
    log("writing the synthetic %d x %d matrix %s ..." % (GPT2_ROWS, GPT2_COLS, out))
    rng = np.random.default_rng(2)
    k, d, n = 500, GPT2_COLS, GPT2_ROWS
    spectrum = (1.0 + np.arange(d)) ** -0.6
    centres = rng.standard_normal((k, d)) * spectrum * 3.0
    sizes = 1.0 / (1.0 + np.arange(k)) ** 0.8
    label = rng.choice(k, size=n, p=sizes / sizes.sum())
    scales = spectrum * rng.lognormal(0.0, 0.5, size=(k, d))
    x = centres[label] + rng.standard_normal((n, d)) * scales[label]
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    x = (x @ q).astype(np.float32) * 0.1
    write_npy_once(out, x)
    return out


# ---- scoring ----------------------------------------------------------------

def trust_sample(n):
    rng = np.random.default_rng(TRUST_SEED)
    return np.sort(rng.choice(n, size=min(TRUST_ROWS, n), replace=False))


def trust(x, emb, sample):
    from sklearn.manifold import trustworthiness
    return float(trustworthiness(np.asarray(x[sample], dtype=np.float64),
                                 np.asarray(emb[sample], dtype=np.float64),
                                 n_neighbors=TRUST_K, metric=METRIC))


def read_coords(path, n):
    """x, y of each id in our CSV (id,token,x,y[,z...])."""
    emb = np.full((n, 2), np.nan)
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        head = next(r)
        ix, iy = head.index("x"), head.index("y")
        for row in r:
            emb[int(row[0])] = (float(row[ix]), float(row[iy]))
    if np.isnan(emb).any():
        raise ValueError("%s: %d of %d rows have no coordinates"
                         % (path, int(np.isnan(emb[:, 0]).sum()), n))
    return emb


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    try:
        return json.loads(text)
    except ValueError:
        return None


def has_map_command(exe):
    try:
        r = subprocess.run([exe, "project", "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--method" in r.stdout + r.stderr


def sgemm_gflops(size=4096, reps=3):
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((size, size), dtype=np.float32)
    a @ b
    best = min(timed(lambda: a @ b) for _ in range(reps))
    return 2.0 * size ** 3 / best / 1e9


def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


# ---- one case ---------------------------------------------------------------

def run_ours(exe, npy, method, runs, timeout, workdir):
    out = {"seconds": None, "rss_mb": None, "trust": None, "json": None, "csv": None,
           "error": None, "all_seconds": []}
    csv_path = os.path.join(workdir, "ours-%s.csv" % method)
    cmd = [exe, "project", npy, "--method", method, "-m", METRIC, "--seed", "1",
           "-o", csv_path, "--json"]
    log("  ours: %s" % " ".join(cmd))
    rss = []
    for i in range(runs):
        if os.path.exists(csv_path):
            os.unlink(csv_path)
        r = run_measured(cmd, timeout)
        if r["timed_out"] or r["rc"] != 0 or not os.path.exists(csv_path):
            why = ("timed out after %.0f s" % timeout if r["timed_out"]
                   else "exit status %s" % r["rc"] if r["rc"] != 0 else "no CSV written")
            out["error"] = why
            log("  ours FAILED (run %d): %s" % (i + 1, why))
            if r["stderr"].strip():
                log(tail(r["stderr"]))
            return out
        out["all_seconds"].append(r["seconds"])
        rss.append(r["rss_mb"])
        out["json"] = last_json(r["stdout"])
        log("  ours run %d: %.2f s, peak %s MB" % (i + 1, r["seconds"], fmt(r["rss_mb"], 0)))
    out["seconds"] = statistics.median(out["all_seconds"])
    out["rss_mb"] = max((m for m in rss if m is not None), default=None)
    out["csv"] = csv_path
    j = out["json"]
    if j is None:
        log("  ours: no JSON object on stdout")
    else:
        sec = j.get("seconds", {})
        g = j.get("graph", {})
        log("  ours stages: prepare %s  graph %s  optimise %s  total %s (s)"
            % tuple(fmt(sec.get(s), 2) for s in ("prepare", "graph", "optimise", "total")))
        log("  ours graph: k %s, exact %s, recall %s; its own trustworthiness@%s on %s rows: %s"
            % (g.get("k"), g.get("exact"), fmt(g.get("recall"), 4),
               j.get("trustworthiness", {}).get("k"), j.get("trustworthiness", {}).get("rows"),
               fmt(j.get("trustworthiness", {}).get("value"), 4)))
    return out


def run_peer(npy, method, workdir):
    out = {"seconds": None, "fit_seconds": None, "rss_mb": None, "emb": None,
           "error": None, "version": None}
    emb_path = os.path.join(workdir, "peer-%s.npy" % method)
    env = dict(os.environ, OMP_NUM_THREADS=str(PEER_THREADS),
               OPENBLAS_NUM_THREADS=str(PEER_THREADS), NUMBA_NUM_THREADS=str(PEER_THREADS))
    cmd = [sys.executable, os.path.abspath(__file__), "--peer", method, npy, emb_path]
    timeout = PEER_TIMEOUT[method]
    n = np.load(npy, mmap_mode="r").shape[0]
    what = ("sklearn.manifold.TSNE(perplexity=30, init='pca', learning_rate=%.0f, 750 iterations, "
            "barnes_hut)" % tsne_learning_rate(n) if method == "tsne"
            else "umap.UMAP(n_neighbors=15, min_dist=0.1, init='spectral', random_state=None)")
    log("  peer: %s, %s, %d threads (once, timeout %d s) ..."
        % (what, METRIC, PEER_THREADS, timeout))
    r = run_measured(cmd, timeout, env=env)
    out["rss_mb"] = r["rss_mb"]
    if r["timed_out"]:
        out["error"] = "timed out after %d s" % timeout
        log("  peer TIMED OUT after %d s" % timeout)
        return out
    if r["rc"] != 0 or not os.path.exists(emb_path):
        out["error"] = "exit status %s" % r["rc"]
        log("  peer FAILED: exit status %s" % r["rc"])
        log(tail(r["stderr"]))
        return out
    j = last_json(r["stdout"]) or {}
    out.update(seconds=r["seconds"], fit_seconds=j.get("fit_seconds"),
               version=j.get("version"), emb=np.load(emb_path))
    log("  peer (%s): %.2f s whole process (fit %s s), peak %s MB"
        % (out["version"], r["seconds"], fmt(out["fit_seconds"], 2), fmt(r["rss_mb"], 0)))
    return out


def run_case(name, exe, paths, runs_opt, workdir):
    data, method, has_peer, target, runs = CASES[name]
    runs = runs_opt or runs
    npy = paths[data]
    x = np.load(npy, mmap_mode="r")
    n = x.shape[0]
    log("\n== %s: %s on %s (%d x %d%s), metric %s =="
        % (name, method, os.path.basename(npy), n, x.shape[1],
           ", SYNTHETIC: 500 anisotropic Gaussian clusters, not GPT-2's weights"
           if data == "gpt2size" else "", METRIC))
    res = {"case": name, "target": target, "ours": None, "peer": None,
           "trust_ours": None, "trust_peer": None}
    sample = trust_sample(n)
    ours = run_ours(exe, npy, method, runs, OURS_TIMEOUT[data], workdir)
    res["ours"] = ours
    if ours["csv"]:
        try:
            res["trust_ours"] = trust(x, read_coords(ours["csv"], n), sample)
            log("  ours trustworthiness@%d (sklearn, %d-row sample): %.4f"
                % (TRUST_K, len(sample), res["trust_ours"]))
        except (ValueError, IndexError, OSError) as e:
            log("  ours: could not read the map: %s" % e)
    if target is not None and ours["seconds"] is not None:
        log("  target <= %d s: %s" % (target, "met" if ours["seconds"] <= target else "MISSED"))
    if has_peer:
        peer = run_peer(npy, method, workdir)
        res["peer"] = peer
        if peer["emb"] is not None:
            res["trust_peer"] = trust(x, peer["emb"], sample)
            log("  peer trustworthiness@%d (same function, same sample): %.4f"
                % (TRUST_K, res["trust_peer"]))
        if res["trust_ours"] is not None and res["trust_peer"] is not None:
            log("  trustworthiness ours - peer: %+.4f" % (res["trust_ours"] - res["trust_peer"]))
        if ours["seconds"] and peer["seconds"]:
            log("  speed ratio peer/ours: %.2fx" % (peer["seconds"] / ours["seconds"]))
    return res


# ---- the table --------------------------------------------------------------

def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, (int, float)):
        return "%.*f" % (digits, v)
    return str(v)


def table(results):
    log("\n| case | ours (s) | peer (s) | ratio | target | trust ours | trust peer | diff "
        "| peak MB ours | peak MB peer |")
    log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        o, p = r["ours"], r["peer"]
        ours_s = fmt(o["seconds"], 2) if o["seconds"] is not None else "FAILED (%s)" % o["error"]
        if p is None:
            peer_s = ratio = peer_mb = "-"
        else:
            peer_s = fmt(p["seconds"], 1) if p["seconds"] is not None else p["error"]
            ratio = ("%.2fx" % (p["seconds"] / o["seconds"])
                     if p["seconds"] and o["seconds"] else "-")
            peer_mb = fmt(p["rss_mb"], 0)
        diff = ("%+.4f" % (r["trust_ours"] - r["trust_peer"])
                if r["trust_ours"] is not None and r["trust_peer"] is not None else "-")
        target = "<= %d s" % r["target"] if r["target"] else "-"
        log("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
            % (r["case"], ours_s, peer_s, ratio, target, fmt(r["trust_ours"], 4),
               fmt(r["trust_peer"], 4), diff, fmt(o["rss_mb"], 0), peer_mb))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--peer":
        peer_main(sys.argv[2], sys.argv[3], sys.argv[4])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("embedlens")
    ap.add_argument("datadir")
    ap.add_argument("--cases", default=",".join(CASES),
                    help="comma-separated, of: " + ", ".join(CASES))
    ap.add_argument("--runs", type=int, default=None,
                    help="our runs per case (default 3 for the 20k cases, 1 for the others)")
    ap.add_argument("--make-glove", default=None, help="make-glove.py, to build a missing GloVe set")
    a = ap.parse_args()
    cases = [c.strip() for c in a.cases.split(",") if c.strip()]
    for c in cases:
        if c not in CASES:
            ap.error("unknown case %r (known: %s)" % (c, ", ".join(CASES)))
    if a.runs is not None and a.runs < 1:
        ap.error("--runs wants 1 or more")
    try:
        import sklearn
    except ImportError:
        log("SKIP: scikit-learn is not installed (apt-get install python3-sklearn)")
        return 77
    if any(CASES[c][2] and CASES[c][1] == "umap" for c in cases):
        try:
            import umap  # noqa: F401
        except ImportError:
            log("note: umap-learn is not installed (apt-get install umap-learn); "
                "its peer run will fail")
    exe = os.path.abspath(a.embedlens)
    if not has_map_command(exe):
        log("SKIP: %s has no `project --method tsne|umap`" % exe)
        return 77
    os.makedirs(a.datadir, exist_ok=True)
    glove = ensure_glove(a.datadir, a.make_glove)
    paths = {"glove341k": glove}
    if any(CASES[c][0] == "glove20k" for c in cases):
        paths["glove20k"] = ensure_glove20k(a.datadir, glove)
    if any(CASES[c][0] == "gpt2size" for c in cases):
        paths["gpt2size"] = ensure_gpt2size(a.datadir)

    log("numpy %s, scikit-learn %s, %d CPUs; peers with %d threads"
        % (np.__version__, sklearn.__version__, os.cpu_count(), PEER_THREADS))
    gf = sgemm_gflops()
    log("sgemm (numpy float32 4096x4096 matmul): %.1f GFLOP/s at the start; load average %.2f"
        % (gf, os.getloadavg()[0]))
    t0 = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="bench-map-")
    results = []
    try:
        for c in cases:
            results.append(run_case(c, exe, paths, a.runs, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    gf_end = sgemm_gflops()
    log("\nsgemm: %.1f GFLOP/s at the start, %.1f GFLOP/s at the end (load average %.2f);"
        " whole benchmark %.0f s" % (gf, gf_end, os.getloadavg()[0], time.perf_counter() - t0))
    table(results)
    failed = [r["case"] for r in results if r["ours"]["seconds"] is None]
    if failed:
        log("\nour map failed in: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
