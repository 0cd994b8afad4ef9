"""Times the Cython SLIM MSE SGD loop (slim_mse_sgd.pyx beside this script) on a training file.

    python bench/slim_mse_cython.py TRAIN_FILE [--epochs 2] [--lr 1e-4] [--seed 42]

TRAIN_FILE: tab- or comma-separated `user item rating [timestamp]` (as `rustrec split`
writes), or MovieLens `::` files. Builds the extension into a temporary directory (needs
Cython, numpy, scipy and a C compiler), runs EPOCHS epochs of nnz draws each with lr 1e-4
and S dense float64 from zeros, single-threaded. Prints one line per epoch and a final JSON
object: samples_per_sec (mean over epochs, timing only the Cython call), train_loss per
epoch (mean squared error of the samples).
"""
import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp


def build(here):
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    out = tempfile.mkdtemp(prefix="rustrec-bench-slim-")
    shutil.copyfile(os.path.join(here, "slim_mse_sgd.pyx"), os.path.join(out, "slim_mse_sgd.pyx"))
    ext = Extension("slim_mse_sgd", [os.path.join(out, "slim_mse_sgd.pyx")], extra_compile_args=["-O3"])
    dist = Distribution({"ext_modules": cythonize([ext], quiet=True, force=True),
                         "script_args": ["build_ext", "--build-lib", out,
                                         "--build-temp", os.path.join(out, "tmp"), "--force", "-q"]})
    dist.parse_command_line()
    with contextlib.redirect_stdout(sys.stderr):
        dist.run_commands()
    sys.path.insert(0, out)
    import slim_mse_sgd  # noqa: E402
    return slim_mse_sgd


def read(path):
    users, items, ratings = [], [], []
    with open(path, encoding="latin-1") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            sep = "::" if "::" in line else ("\t" if "\t" in line else ",")
            fields = line.split(sep)
            try:
                r = float(fields[2])
            except ValueError:  # a header line
                continue
            users.append(fields[0])
            items.append(fields[1])
            ratings.append(r)
    _, u = np.unique(np.array(users), return_inverse=True)
    _, i = np.unique(np.array(items), return_inverse=True)
    return u.astype(np.int32), i.astype(np.int32), np.array(ratings, dtype=np.float64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    kernel = build(os.path.dirname(os.path.abspath(__file__)))
    u, i, r = read(a.train)
    n_users, n_items = int(u.max()) + 1, int(i.max()) + 1
    urm = sp.csr_matrix((r, (u, i)), shape=(n_users, n_items), dtype=np.float64)
    urm.sort_indices()
    coo = urm.tocoo()
    S = np.zeros((n_items, n_items), dtype=np.float64)
    kernel.seed(a.seed)
    nnz = urm.nnz
    arrays = (urm.indptr.astype(np.int32), urm.indices.astype(np.int32),
              urm.data.astype(np.float64), coo.row.astype(np.int32),
              coo.col.astype(np.int32), coo.data.astype(np.float64))
    rates, losses = [], []
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        loss = kernel.train_epoch(*arrays, S, a.lr, nnz)
        dt = time.perf_counter() - t0
        rates.append(nnz / dt)
        losses.append(loss / nnz)
        print(f"epoch {epoch + 1}  mse {loss / nnz:.4f}  {nnz / dt:,.0f} samples/s  {dt:.2f}s", flush=True)
    print(json.dumps({"system": "Cython SLIM MSE SGD (course loop), -O3, 1 thread",
                      "users": n_users, "items": n_items, "train_interactions": nnz,
                      "epochs": a.epochs, "lr": a.lr, "train_loss": losses,
                      "samples_per_sec": sum(rates) / len(rates)}))


if __name__ == "__main__":
    main()
