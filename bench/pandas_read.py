#!/usr/bin/env python3
"""Time pandas.read_csv on a MovieLens '::'-separated ratings file (the peer for our reader).

usage: pandas_read.py FILE [--repeat 3]

FILE: `UserID::MovieID::Rating` or `UserID::MovieID::Rating::Timestamp` lines (e.g.
$DATA_DIR/ml-1m/ratings.dat, or a file from bench/make_ml10m_like.py). It is read the fast
way, as shared/acceptance/peers/common.py read_ratings_dat does: sep=":" (so '::' yields
empty columns in between), usecols=[0, 2, 4(, 6)], engine="c", int64 ids, float64 ratings
(and int64 timestamps when present). `seconds` is the best of --repeat reads (the file is
in the page cache after the first). Last stdout line: one JSON object
{"system":"pandas.read_csv","lines","seconds","lines_per_sec",...}.
"""
import argparse
import json
import os
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    import pandas as pd

    with open(a.file, "rb") as fh:
        nfields = len(fh.readline().split(b"::"))
    names = ["u", "x1", "i", "x2", "r", "x3", "t"][: 2 * nfields - 1]
    usecols = [0, 2, 4, 6][:nfields]
    dtype = {"u": np.int64, "i": np.int64, "r": np.float64, "t": np.int64}
    times, n = [], 0
    for _ in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        df = pd.read_csv(a.file, sep=":", header=None, usecols=usecols, names=names,
                         engine="c", dtype={c: dtype[c] for c in names if c in dtype})
        u, i, r = df["u"].to_numpy(), df["i"].to_numpy(), df["r"].to_numpy()
        times.append(time.perf_counter() - t0)
        n = len(r)
        del df, u, i, r
    best = min(times)
    print(json.dumps({"system": "pandas.read_csv", "lines": n, "seconds": round(best, 4),
                      "lines_per_sec": round(n / best), "fields": nfields,
                      "bytes": os.path.getsize(a.file),
                      "mb_per_sec": round(os.path.getsize(a.file) / best / 1e6, 1),
                      "all_seconds": [round(t, 4) for t in times], "pandas": pd.__version__,
                      "numpy": np.__version__}))


if __name__ == "__main__":
    main()
