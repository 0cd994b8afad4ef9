#!/usr/bin/env bash
# iALS seconds per iteration: rustrec (`examples/ml1m-ials.toml`: k 64, λ 0.01, α 1, CG 3
# steps, 2 threads) against implicit 0.7.3's `AlternatingLeastSquares` (k 64, CG, 2
# threads, BLAS on one thread) on the same training file, in one session.
#
# usage: PY=/path/to/python bench/ials_vs_implicit.sh TRAIN TEST
#
# TRAIN/TEST: tab-separated `user item rating` files with integer ids (e.g. the
# Netflix-shaped set: `rustrec synth --like ml-20m --users 480189 --items 17770
# --ratings 100480507 --format tsv --no-timestamps --test-fraction 0.01 --seed 42
# --out /tmp/netflix/train.tsv --test-out /tmp/netflix/test.tsv`; keep it outside the
# project). PY: a Python with implicit==0.7.3, pandas, scipy and threadpoolctl (from the
# package index, e.g. the acceptance's peers/setup-venv.sh venv). ITERATIONS (default 3).
# Every rating is a positive of weight 1 on both sides. rustrec's full-ranking evaluation of
# TEST (cutoff 10) is reported as `eval_seconds`.
#
# Prints rustrec's JSON object, implicit's, then one line
# {"rustrec_s_per_iter","implicit_s_per_iter","ratio"} (ratio = rustrec / implicit).
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,19p' "$0" >&2
  exit 2
fi
train=$1 test=$2
iters=${ITERATIONS:-3}
PY=${PY:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
(cd "$root" && cargo build --release -q)
ours=$("$root/target/release/rustrec" fit --config "$root/examples/ml1m-ials.toml" \
  --train "$train" --test "$test" --set model.iterations="$iters" --set "eval.cutoffs=[10]" --json -q)
echo "$ours"
theirs=$(OPENBLAS_NUM_THREADS=1 "$PY" - "$train" "$iters" <<'PY'
import sys, time, json, numpy as np, pandas as pd, scipy.sparse as sp
from threadpoolctl import threadpool_limits
from implicit.cpu.als import AlternatingLeastSquares
iters = int(sys.argv[2])
df = pd.read_csv(sys.argv[1], sep="\t", header=None, usecols=[0, 1], dtype=np.int64)
X = sp.csr_matrix((np.ones(len(df), np.float32), (df[0].values, df[1].values)))
with threadpool_limits(1, "blas"):
    m = AlternatingLeastSquares(factors=64, iterations=iters, regularization=0.01, num_threads=2, random_state=0)
    t = time.time(); m.fit(X, show_progress=False)
print(json.dumps({"system": "implicit", "s_per_iter": (time.time() - t) / iters, "nnz": int(X.nnz)}))
PY
)
theirs=$(printf '%s\n' "$theirs" | grep '^{' | tail -1)
echo "$theirs"
python3 -c '
import json, sys
o, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
a, b = o["seconds_per_iteration"], p["s_per_iter"]
print(json.dumps({"rustrec_s_per_iter": a, "implicit_s_per_iter": b, "ratio": a / b,
                  "rustrec_eval_seconds": o.get("eval_seconds")}))' "$ours" "$theirs"
