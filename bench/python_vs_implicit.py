#!/usr/bin/env python3
"""rustrec's Python package (`rustrec.implicit`) against implicit 0.7.3, in one session.

usage: python_vs_implicit.py RATINGS_DAT [--algos als,bpr] [--repeat 1]
       python_vs_implicit.py --memory [--algos als,bpr] [--iterations 2]

Needs a Python with `rustrec` (`pip install crates/rustrec-py`), `implicit==0.7.3`,
`threadpoolctl`; run it with OPENBLAS_NUM_THREADS=1.

Speed and quality (RATINGS_DAT: ML-1M's `ratings.dat`): the acceptance check's protocol —
every rating a positive, 80/20 random split (numpy `default_rng(42)`), implicit's settings
(ALS k=64, 15 iterations, regularization 0.05; BPR k=64, 100 iterations; random_state 0,
num_threads 2), `fit` timed alone, NDCG@10 by implicit's own `ndcg_at_k`. Each fit alternates
rustrec, implicit; the ratio is rustrec's time over implicit's.

Memory (`--memory`): a scipy CSR of the ML-10M-shaped synthetic set
(`rustrec.synthetic("ml-10m", seed=1)`, 69,878 × 10,681, 10,000,054 ones; NOT MovieLens
data), each fit in its own process: the peak RSS of the process during `fit` above its RSS
just before (VmHWM reset through /proc/self/clear_refs, then VmHWM − VmRSS; Linux), with `--iterations` iterations (peak memory does not grow
with the iteration count), and what stays resident once `fit` has returned (the model
and whatever the allocator kept), also above the RSS before. The CSR is made in a temporary
directory and removed.

The last stdout line is one JSON object.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

SETTINGS = {
    "als": dict(factors=64, iterations=15, regularization=0.05, random_state=0, num_threads=2),
    "bpr": dict(factors=64, iterations=100, random_state=0, num_threads=2),
}


def classes(lib, algo):
    if lib == "rustrec":
        from rustrec.implicit import AlternatingLeastSquares as A, BayesianPersonalizedRanking as B
    else:
        from implicit.als import AlternatingLeastSquares as A
        from implicit.bpr import BayesianPersonalizedRanking as B
    return A if algo == "als" else B


def speed(path, algos, repeat):
    import numpy as np
    import scipy.sparse as sp
    from implicit.evaluation import ndcg_at_k
    from threadpoolctl import threadpool_limits

    rows = [line.split("::")[:2] for line in open(path, encoding="latin-1")]
    u_raw = np.array([int(r[0]) for r in rows])
    i_raw = np.array([int(r[1]) for r in rows])
    _, u = np.unique(u_raw, return_inverse=True)
    _, i = np.unique(i_raw, return_inverse=True)
    shape = (u.max() + 1, i.max() + 1)
    mask = np.random.default_rng(42).random(len(u)) < 0.8

    def csr(m):
        return sp.csr_matrix((np.ones(m.sum(), np.float32), (u[m], i[m])), shape=shape)

    train, test = csr(mask), csr(~mask)
    out = {}
    with threadpool_limits(1, "blas"):
        for algo in algos:
            runs = {"rustrec": [], "implicit": []}
            for _ in range(repeat):
                for lib in ("rustrec", "implicit"):
                    model = classes(lib, algo)(**SETTINGS[algo])
                    t = time.perf_counter()
                    model.fit(train, show_progress=False)
                    secs = time.perf_counter() - t
                    ndcg = ndcg_at_k(model, train, test, K=10, show_progress=False)
                    runs[lib].append((secs, ndcg))
                    print(f"{algo} {lib}: fit {secs:.3f} s, NDCG@10 {ndcg:.4f}", file=sys.stderr, flush=True)
            r, p = min(runs["rustrec"]), min(runs["implicit"])
            out[algo] = {
                "rustrec_s": round(r[0], 3),
                "implicit_s": round(p[0], 3),
                "ratio": round(r[0] / p[0], 3),
                "rustrec_ndcg@10": round(r[1], 4),
                "implicit_ndcg@10": round(p[1], 4),
            }
    return out


def status_kb(field):
    """A `kB` field of /proc/self/status (VmRSS, VmHWM)."""
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def memory_child(lib, algo, iterations, csr_path):
    import scipy.sparse as sp
    from threadpoolctl import threadpool_limits

    m = sp.load_npz(csr_path).tocsr()
    kw = dict(SETTINGS[algo], iterations=iterations)
    model = classes(lib, algo)(**kw)
    # Reset the process's peak RSS (VmHWM) to its current RSS, so that loading the CSR
    # does not count (Linux: `5` to /proc/self/clear_refs).
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status_kb("VmRSS") * 1024
    with threadpool_limits(1, "blas"):
        t = time.perf_counter()
        model.fit(m, show_progress=False)
        secs = time.perf_counter() - t
    peak = status_kb("VmHWM") * 1024
    after = status_kb("VmRSS") * 1024
    csr_bytes = m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
    print(json.dumps({"fit_peak_over_start_mb": round((peak - before) / 2**20),
                      "after_fit_over_start_mb": round((after - before) / 2**20), "csr_mb": round(csr_bytes / 2**20),
                      "fit_s": round(secs, 2), "iterations": iterations}))


def memory(algos, iterations):
    import numpy as np
    import rustrec
    import scipy.sparse as sp

    out = {}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ml10m-like.npz")
        m = rustrec.synthetic("ml-10m", seed=1).to_csr()
        m.data[:] = 1.0
        sp.save_npz(path, m.astype(np.float32), compressed=False)
        del m
        for algo in algos:
            for lib in ("rustrec", "implicit"):
                res = subprocess.run(
                    [sys.executable, __file__, "--child", lib, algo, str(iterations), path],
                    capture_output=True, text=True, check=True,
                )
                out[f"{algo}_{lib}"] = json.loads(res.stdout.strip().splitlines()[-1])
                print(algo, lib, out[f"{algo}_{lib}"], file=sys.stderr, flush=True)
    return out


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        lib, algo, iterations, path = sys.argv[2:6]
        memory_child(lib, algo, int(iterations), path)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ratings", nargs="?")
    ap.add_argument("--algos", default="als,bpr")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--iterations", type=int, default=2)
    a = ap.parse_args()
    algos = a.algos.split(",")
    if a.memory:
        print(json.dumps(memory(algos, a.iterations)))
    elif a.ratings:
        print(json.dumps(speed(a.ratings, algos, a.repeat)))
    else:
        ap.error("give RATINGS_DAT or --memory")


if __name__ == "__main__":
    main()
