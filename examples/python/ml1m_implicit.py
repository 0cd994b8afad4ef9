"""Implicit-feedback BPR and ALS on MovieLens 1M with implicit's API (change the import,
keep the code), evaluated by implicit-style NDCG@10 and by rustrec's own metrics.

    python examples/python/ml1m_implicit.py PATH/TO/ml-1m/ratings.dat
"""

import sys
import time

import numpy as np

import rustrec
from rustrec.evaluation import ndcg_at_k
from rustrec.implicit import AlternatingLeastSquares, BayesianPersonalizedRanking

data = rustrec.read_ratings(sys.argv[1]).to_implicit(1.0)  # every rating a positive
train, test = rustrec.holdout(data, test_fraction=0.2, seed=42)
train_m, test_m = train.to_csr(), test.to_csr()

for model in (
    AlternatingLeastSquares(factors=64, iterations=15, regularization=0.05, random_state=0, num_threads=2),
    BayesianPersonalizedRanking(factors=64, iterations=100, random_state=0, num_threads=2),
):
    started = time.perf_counter()
    model.fit(train_m, show_progress=False)
    seconds = time.perf_counter() - started
    ndcg = ndcg_at_k(model, train_m, test_m, K=10)
    print(f"{type(model).__name__}: fit {seconds:.2f} s, NDCG@10 {ndcg:.4f}")
    figures = rustrec.evaluate(model, train_m, test_m)  # CSR matrices in the model's index space
    print("  rustrec eval:", {k: round(figures[k], 4) for k in ("precision@10", "recall@10", "ndcg@10", "auc")})

ids, scores = model.recommend(np.arange(3), train_m[np.arange(3)], N=5)
print("top 5 of users 0-2:", ids.tolist())
