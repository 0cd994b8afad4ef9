#!/usr/bin/env python3
"""Surprise (scikit-surprise) SVD / SVD++ as an explicit-rating peer.

usage: surprise_svd.py TRAIN TEST [--factors 100] [--epochs 20] [--lr 0.005] [--reg 0.02]
                       [--algo svd|svdpp] [--seed 0]

TRAIN/TEST: tab-separated `user item rating [timestamp]` files (ML-100K u.data format,
e.g. $DATA_DIR/ml-100k/ua.base and ua.test). Ids are kept as raw strings, as Surprise's
load_from_file does. Defaults are Surprise's SVD defaults (biased MF, init N(0, 0.1),
lr_all 0.005, reg_all 0.02, 100 factors, 20 epochs; for svdpp pass --factors 20).
train_seconds times algo.fit only. Last stdout line: one JSON object
{"system":"surprise-svd","rmse","mae","train_seconds","k","epochs",...}.
"""
import argparse
import json
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--factors", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.005)
    ap.add_argument("--reg", type=float, default=0.02)
    ap.add_argument("--algo", choices=("svd", "svdpp"), default="svd")
    ap.add_argument("--seed", type=int, default=0, help="random_state of the algorithm")
    a = ap.parse_args()

    import surprise
    from surprise import SVD, SVDpp, Dataset, Reader, accuracy

    from surprise.model_selection import PredefinedKFold

    t0 = time.perf_counter()
    # The timestamp column is optional in the files.
    with open(a.train) as fh:
        nf = len(fh.readline().rstrip("\n").split("\t"))
    fmt = "user item rating timestamp" if nf >= 4 else "user item rating"
    data = Dataset.load_from_folds([(a.train, a.test)], Reader(line_format=fmt, sep="\t"))

    trainset, testset = next(PredefinedKFold().split(data))
    load_seconds = time.perf_counter() - t0

    cls = SVD if a.algo == "svd" else SVDpp
    algo = cls(n_factors=a.factors, n_epochs=a.epochs, lr_all=a.lr, reg_all=a.reg,
               random_state=a.seed)
    t0 = time.perf_counter()
    algo.fit(trainset)
    train_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    preds = algo.test(testset)
    test_seconds = time.perf_counter() - t0
    rmse = accuracy.rmse(preds, verbose=False)
    mae = accuracy.mae(preds, verbose=False)
    n_train = trainset.n_ratings
    print(json.dumps({
        "system": "surprise-svd" if a.algo == "svd" else "surprise-svdpp",
        "rmse": round(rmse, 5), "mae": round(mae, 5),
        "train_seconds": round(train_seconds, 4), "k": a.factors, "epochs": a.epochs,
        "lr": a.lr, "reg": a.reg, "n_train": n_train, "n_test": len(testset),
        "updates_per_sec": round(a.epochs * n_train / train_seconds),
        "load_seconds": round(load_seconds, 3), "test_seconds": round(test_seconds, 3),
        "threads": 1, "surprise": surprise.__version__,
    }))


if __name__ == "__main__":
    main()
