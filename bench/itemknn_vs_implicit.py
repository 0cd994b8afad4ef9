#!/usr/bin/env python3
"""Item-item cosine on ML-1M: rustrec (`rustrec.implicit.CosineRecommender`, item-knn)
against implicit 0.7.3's `CosineRecommender`, in one session.

usage: OPENBLAS_NUM_THREADS=1 python itemknn_vs_implicit.py RATINGS_DAT [--k 20] [--repeat 3]

Needs a Python with `rustrec` (`pip install crates/rustrec-py`) and `implicit==0.7.3`.
Every rating is a positive (value 1), the whole file is the training matrix; both fit on
2 threads (implicit's `num_threads=2`, rustrec's `num_threads=2`), alternating, best of
`--repeat`. Before timing, the two similarity matrices are compared with K covering every
neighbour (no pruning, where the libraries' rules differ: implicit keeps the K best of each
row with the item itself, rustrec the K best of each column without it): the largest
absolute difference of the cosines is printed and must be below 1e-5.
The last stdout line is one JSON object.
"""

import argparse
import json
import time

import numpy as np
import scipy.sparse as sp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ratings")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    import implicit.nearest_neighbours as nn
    from rustrec.implicit import CosineRecommender as Ours

    rows = [l.split("::")[:2] for l in open(a.ratings, encoding="latin-1")]
    u = np.unique([int(r[0]) for r in rows], return_inverse=True)[1]
    i = np.unique([int(r[1]) for r in rows], return_inverse=True)[1]
    m = sp.csr_matrix((np.ones(len(u), np.float32), (u, i)), shape=(u.max() + 1, i.max() + 1))

    # Same cosines: full matrices (K = every item) on a slice of the items.
    n_i = m.shape[1]
    ours, theirs = Ours(K=n_i, num_threads=2), nn.CosineRecommender(K=n_i, num_threads=2)
    ours.fit(m, show_progress=False)
    theirs.fit(m, show_progress=False)
    probe = np.arange(0, n_i, 97)
    diff = 0.0
    for j in probe:
        a_ids, a_s = ours.similar_items(int(j), N=n_i - 1)
        kept = np.isfinite(a_s)  # padding past the item's related items
        want = theirs.similarity[int(j)].toarray().ravel()
        want[j] = 0.0  # implicit keeps the item itself
        assert kept.sum() == np.count_nonzero(want), "different neighbour sets"
        diff = max(diff, float(np.max(np.abs(want[a_ids[kept]] - a_s[kept]))))
    assert diff < 1e-5, f"cosines differ by {diff}"

    times = {"rustrec": [], "implicit": []}
    for _ in range(a.repeat):
        for name, make in (("rustrec", lambda: Ours(K=a.k, num_threads=2)),
                           ("implicit", lambda: nn.CosineRecommender(K=a.k, num_threads=2))):
            model = make()
            t = time.perf_counter()
            model.fit(m, show_progress=False)
            times[name].append(time.perf_counter() - t)
    r, p = min(times["rustrec"]), min(times["implicit"])
    print(f"rustrec {r:.3f} s, implicit {p:.3f} s, ratio {r / p:.2f} (max cosine difference {diff:.1e})")
    print(json.dumps({"rustrec_s": round(r, 3), "implicit_s": round(p, 3), "ratio": round(r / p, 3),
                      "max_cosine_difference": diff, "k": a.k}))


if __name__ == "__main__":
    main()
