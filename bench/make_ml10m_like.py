#!/usr/bin/env python3
"""Write a synthetic ratings file with the shape of MovieLens 10M (for timing readers).

usage: make_ml10m_like.py OUT [--seed 0] [--users 69878] [--items 10681] [--ratings 10000054]

Output: `UserID::MovieID::Rating::Timestamp` lines, like ML-10M's ratings.dat:
- 10,000,054 lines, 69,878 users (ids a sorted random subset of 1..71567), 10,681 items
  (ids a sorted random subset of 1..65133), no duplicate (user, item) pair;
- ratings per user: at least 20, mean 143, heavy tail capped at 7,359; item popularity
  lognormal (item Gini about 0.57, max per item about 35k, as in ML-10M);
- half-star ratings 0.5-5.0 written as `4` or `3.5`, with ML-10M's marginal distribution
  and a user + item effect (so a model can learn something);
- timestamps between 1995-01-09 and 2009-01-05, each user active over a random span;
- lines sorted by user, then item id (the order of the real file).
It uses numpy only and takes some seconds. This is NOT MovieLens data.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

T_MIN, T_MAX = 789652009, 1231131736
# share of each half-star 0.5, 1.0, ..., 5.0 in ML-10M
RATING_SHARES = np.array([0.0094, 0.0383, 0.0119, 0.0790, 0.0370,
                          0.2356, 0.0879, 0.2875, 0.0593, 0.1541])


def user_counts(rng, n_users, n_ratings, n_items, lo=20, hi=7359):
    extra = n_ratings - lo * n_users
    w = rng.lognormal(mean=0.0, sigma=1.25, size=n_users)
    cap = min(hi, n_items) - lo
    c = np.zeros(n_users, dtype=np.int64)
    free = np.ones(n_users, dtype=bool)
    remaining = extra
    for _ in range(50):  # water-filling under the cap
        share = w * free
        add = np.floor(share / share.sum() * remaining).astype(np.int64)
        c = np.minimum(c + add, cap)
        remaining = extra - c.sum()
        free = c < cap
        if remaining <= free.sum():
            break
    idx = rng.choice(np.flatnonzero(free), size=int(remaining), replace=False)
    c[idx] += 1
    assert c.sum() == extra and c.max() <= cap
    return c + lo


def merge_unique(sorted_keys, new_keys):
    """Sorted distinct union (np.unique is much slower here on 10M int64)."""
    k = np.concatenate([sorted_keys, np.sort(new_keys)])
    k.sort(kind="stable")  # two sorted runs: timsort merges them in linear time
    keep = np.ones(len(k), dtype=bool)
    keep[1:] = k[1:] != k[:-1]
    return k[keep]


def sample_pairs(rng, counts, n_items, rounds=3):
    """Distinct items per user, drawn from a lognormal item popularity (sigma 1.12 gives
    ML-10M's item Gini 0.57 and max/mean ratings per item of about 37)."""
    n_users = len(counts)
    pop = rng.lognormal(0.0, 1.12, n_items)
    cdf = np.cumsum(pop / pop.sum())
    keys = np.empty(0, dtype=np.int64)
    need = counts.copy()
    for _ in range(rounds):  # draw what is missing, drop duplicates; no user overshoots
        if need.sum() == 0:
            break
        users = np.repeat(np.arange(n_users, dtype=np.int64), need)
        items = np.searchsorted(cdf, rng.random(len(users)), side="right").clip(0, n_items - 1)
        keys = merge_unique(keys, users * n_items + items)
        need = counts - np.bincount(keys // n_items, minlength=n_users)
    # the few heavy users still short: weighted draw without replacement from what they lack
    extra = []
    for u in np.flatnonzero(need > 0):
        lo, hi = np.searchsorted(keys, [u * n_items, (u + 1) * n_items])
        lack = np.ones(n_items, dtype=bool)
        lack[keys[lo:hi] % n_items] = False
        rest = np.flatnonzero(lack)
        # Efraimidis-Spirakis: the need[u] largest log(U)/w are a weighted draw
        # without replacement
        score = np.log(rng.random(len(rest))) / pop[rest]
        pick = rest[np.argpartition(-score, int(need[u]) - 1)[: int(need[u])]]
        extra.append(u * n_items + pick)
    if extra:
        keys = np.sort(np.concatenate([keys] + extra))
    return keys // n_items, keys % n_items


def ratings_for(rng, users, items, n_users, n_items):
    score = (rng.normal(0, 0.5, n_users)[users] + rng.normal(0, 0.6, n_items)[items]
             + rng.normal(0, 1.0, len(users)))
    # map the score's ranks onto ML-10M's marginal distribution of half stars
    order = np.argsort(score, kind="stable")
    bounds = np.round(np.cumsum(RATING_SHARES / RATING_SHARES.sum()) * len(users)).astype(np.int64)
    halves = np.empty(len(users), dtype=np.int64)
    halves[order] = np.searchsorted(bounds, np.arange(len(users)), side="right") + 1
    return halves  # rating * 2, 1..10


def timestamps_for(rng, users, n_users):
    start = rng.integers(T_MIN, T_MAX - 86400, n_users)
    span = np.minimum(rng.exponential(200 * 86400.0, n_users).astype(np.int64) + 3600,
                      T_MAX - start)
    return start[users] + (rng.random(len(users)) * span[users]).astype(np.int64)


def ascii_lines(fields):
    """fields: list of (values, kind) with kind 'int' (non-negative) or 'half' (rating*2).
    Returns the bytes of `f1::f2::...\\n` lines, built with vectorized numpy."""
    n = len(fields[0][0])
    pieces = []  # (digits matrix as uint8 with 0 = absent) per field
    for vals, kind in fields:
        if kind == "half":
            whole = vals // 2
            half = vals % 2
            m = np.zeros((n, 3), dtype=np.uint8)
            m[:, 0] = 48 + whole
            m[:, 1] = np.where(half == 1, ord("."), 0)
            m[:, 2] = np.where(half == 1, ord("5"), 0)
        else:
            v = vals.astype(np.int64)
            nd = np.maximum(1, np.floor(np.log10(np.maximum(v, 1))).astype(np.int64) + 1)
            width = int(nd.max())
            m = np.zeros((n, width), dtype=np.uint8)
            for j in range(width):  # j-th digit from the left
                p = nd - 1 - j
                ok = p >= 0
                m[:, j] = np.where(ok, 48 + (v // 10 ** np.maximum(p, 0)) % 10, 0)
        pieces.append(m)
    sep = np.full((n, 2), ord(":"), dtype=np.uint8)
    cols = []
    for k, m in enumerate(pieces):
        if k:
            cols.append(sep)
        cols.append(m)
    cols.append(np.full((n, 1), ord("\n"), dtype=np.uint8))
    mat = np.concatenate(cols, axis=1)
    return mat[mat != 0].tobytes()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--users", type=int, default=69878)
    ap.add_argument("--items", type=int, default=10681)
    ap.add_argument("--ratings", type=int, default=10000054)
    a = ap.parse_args()
    if a.ratings < 20 * a.users or a.items < 20:
        sys.exit("need at least 20 ratings per user and 20 items")
    t0 = time.perf_counter()
    rng = np.random.default_rng(a.seed)
    counts = user_counts(rng, a.users, a.ratings, a.items)
    users, items = sample_pairs(rng, counts, a.items)
    t_pairs = time.perf_counter() - t0
    halves = ratings_for(rng, users, items, a.users, a.items)
    ts = timestamps_for(rng, users, a.users)
    user_ids = np.sort(rng.choice(np.arange(1, max(71567, a.users) + 1), a.users, replace=False))
    item_ids = np.sort(rng.choice(np.arange(1, max(65133, a.items) + 1), a.items, replace=False))
    # ML order: by user, then by movie id (item ids are increasing in the item index)
    t_gen = time.perf_counter() - t0
    with open(a.out, "wb") as fh:
        step = 1 << 20
        for s in range(0, len(users), step):
            e = s + step
            fh.write(ascii_lines([(user_ids[users[s:e]], "int"), (item_ids[items[s:e]], "int"),
                                  (halves[s:e], "half"), (ts[s:e], "int")]))
    pop = np.sort(np.bincount(items, minlength=a.items)).astype(np.float64)
    gini = 1 - 2 * np.sum(np.cumsum(pop) / pop.sum()) / len(pop) + 1 / len(pop)
    print(json.dumps({"out": a.out, "lines": int(len(users)), "users": int(a.users),
                      "items_rated": int((pop > 0).sum()), "per_user_min": int(counts.min()),
                      "per_user_max": int(counts.max()), "per_item_max": int(pop.max()),
                      "item_gini": round(float(gini), 3),
                      "mean_rating": round(float(halves.mean() / 2), 3),
                      "bytes": os.path.getsize(a.out), "pairs_seconds": round(t_pairs, 2), "generate_seconds": round(t_gen, 2),
                      "seconds": round(time.perf_counter() - t0, 2)}))


if __name__ == "__main__":
    main()
