"""Explicit MF on MovieLens 100K's ua split: train, RMSE as `rustrec eval` computes it,
and a few predictions with raw ids.

    python examples/python/ml100k_explicit_mf.py PATH/TO/ml-100k
"""

import sys
from pathlib import Path

import rustrec

data = Path(sys.argv[1])
train, test = rustrec.read_train_test(data / "ua.base", data / "ua.test")
# The settings of examples/ml100k-ua-mf-sgd.toml (biased MF by SGD, two seeds merged), with
# the epoch count its early stopping picks on a validation split (48).
model = rustrec.MF(
    members=2, factors=200, epochs=48, lr=0.01, reg=0.08, reg_bias=0.1, reg_exponent=0.5,
    init={"kind": "normal", "std": 0.001}, clip=[1.0, 5.0], seed=42,
).fit(train)
figures = rustrec.evaluate(model, train, test)
print(f"MF on ML-100K ua: RMSE {figures['rmse']:.4f}, MAE {figures['mae']:.4f} on {figures['test_interactions']} ratings")

# Predictions take indices; user_ids / item_ids map them to the raw ids of the files.
users = {raw: k for k, raw in enumerate(model.user_ids)}
items = {raw: k for k, raw in enumerate(model.item_ids)}
for raw_user, raw_item in [(1, 50), (1, 172), (2, 181)]:
    p = model.predict(users[raw_user], items[raw_item])
    print(f"user {raw_user}, movie {raw_item}: predicted {p:.2f}")
