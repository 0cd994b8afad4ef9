#!/usr/bin/env python3
"""Random train/test split of a MovieLens '::'-separated ratings file.

usage: split_ratings.py IN OUT_TRAIN OUT_TEST [--test-frac 0.1] [--seed 42]

IN has lines `UserID::MovieID::Rating` or `UserID::MovieID::Rating::Timestamp`
(e.g. /work/shared/data/ml-1m/ratings.dat). The outputs are whitespace (tab)
separated `user item rating` files with the raw ids, in input order, as LIBMF's
mf-train/mf-predict read them.

The split is the one of the acceptance harness (shared/acceptance/peers/common.py
random_split): numpy.random.default_rng(seed).permutation(n); the first
round(n * test_frac) positions of the permutation are the test set.
Never write the outputs inside the project: MovieLens data must not be committed.
"""
import argparse
import json
import sys
import time

import numpy as np


def read_ratings(path):
    with open(path, "rb") as fh:
        first = fh.readline().decode("latin-1").rstrip("\r\n")
    nfields = len(first.split("::"))
    if nfields not in (3, 4):
        sys.exit(f"{path}: expected 3 or 4 '::'-separated fields, got {nfields}: {first!r}")
    try:
        import pandas as pd

        names = ["u", "x1", "i", "x2", "r", "x3", "t"][: 2 * nfields - 1]
        df = pd.read_csv(path, sep=":", header=None, usecols=[0, 2, 4], names=names,
                         engine="c", dtype={"u": np.int64, "i": np.int64, "r": np.float64})
        return df["u"].to_numpy(), df["i"].to_numpy(), df["r"].to_numpy()
    except ImportError:
        u, i, r = [], [], []
        with open(path, "rb") as fh:
            for line in fh:
                f = line.split(b"::")
                u.append(int(f[0]))
                i.append(int(f[1]))
                r.append(float(f[2]))
        return np.array(u, np.int64), np.array(i, np.int64), np.array(r, np.float64)


def fmt_ratings(r):
    # integers print as "4", half stars as "3.5"
    return np.where(r == np.round(r), np.char.mod("%d", r.astype(np.int64)),
                    np.char.mod("%g", r))


def write(path, u, i, r):
    with open(path, "w") as fh:
        if len(u):
            lines = np.char.add(np.char.add(np.char.add(np.char.add(
                u.astype(str), "\t"), i.astype(str)), "\t"), fmt_ratings(r))
            fh.write("\n".join(lines.tolist()))
            fh.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inp")
    ap.add_argument("out_train")
    ap.add_argument("out_test")
    ap.add_argument("--test-frac", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    t0 = time.perf_counter()
    u, i, r = read_ratings(a.inp)
    n = len(r)
    perm = np.random.default_rng(a.seed).permutation(n)
    test = np.zeros(n, dtype=bool)
    test[perm[: int(round(n * a.test_frac))]] = True
    write(a.out_train, u[~test], i[~test], r[~test])
    write(a.out_test, u[test], i[test], r[test])
    print(json.dumps({"input": a.inp, "n": int(n), "n_train": int((~test).sum()),
                      "n_test": int(test.sum()), "seed": a.seed, "test_frac": a.test_frac,
                      "seconds": round(time.perf_counter() - t0, 3)}))


if __name__ == "__main__":
    main()
