#!/usr/bin/env bash
# Explicit ALS: rustrec (`examples/ml1m-als-explicit.toml` at rank 40, 10 iterations,
# λ 0.05, 2 threads) vs Spark MLlib ALS `local[2]` (rank 40, 10 iterations, regParam 0.05)
# on one ML-1M 90/10 random split (seed 42) written by `rustrec split` to files both read.
# Usage: DATA_DIR=/path/to/data SPARK_PY=/path/to/python PEERS=/path/to/peers \
#          bench/als_explicit_vs_spark.sh
# SPARK_PY: a Python with pyspark (from the package index; Java 17 on the machine).
# PEERS: the directory holding the acceptance's `spark_als.py` (not part of the project).
# Prints both JSON lines, then one JSON object with seconds per iteration, RMSE and the
# ratio Spark / rustrec.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${DATA_DIR:?set DATA_DIR to the folder holding ml-1m/}"
: "${SPARK_PY:?set SPARK_PY to a python with pyspark}"
: "${PEERS:?set PEERS to the folder holding spark_als.py}"
work=${WORK:-$(mktemp -d)}
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
"$bin" split "$DATA_DIR/ml-1m/ratings.dat" --test-fraction 0.1 --seed 42 \
  --train-out "$work/train.tsv" --test-out "$work/test.tsv" -q >/dev/null
ours=$("$bin" fit --config "$root/examples/ml1m-als-explicit.toml" --train "$work/train.tsv" \
  --test "$work/test.tsv" --set model.factors=40 --set model.iterations=10 --set model.reg=0.05 \
  --json -q | tail -1)
peer=$("$SPARK_PY" "$PEERS/spark_als.py" "$work/train.tsv" "$work/test.tsv" 2>/dev/null | grep '^{' | tail -1)
echo "spark:   $peer"
echo "rustrec: $ours"
python3 - "$peer" "$ours" <<'PY'
import json, sys
p, o = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"spark_s_per_iter": p["s_per_iter"], "rustrec_s_per_iter": o["seconds_per_iteration"],
                  "spark_rmse": p["rmse"], "rustrec_rmse": o["rmse"],
                  "speedup_spark_over_rustrec": p["s_per_iter"] / o["seconds_per_iteration"]}))
PY
