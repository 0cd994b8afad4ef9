#!/usr/bin/env bash
# rustrec vs Surprise SVD (default settings) on ML-100K ua.base → ua.test.
# Usage: DATA_DIR=/path/to/data PY=/path/to/venv/python bench/mf_vs_surprise.sh
# (PY: a python with scikit-surprise installed; see bench/README.md.) Prints both JSON
# lines, then one JSON object with the time ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${DATA_DIR:?set DATA_DIR to the folder holding ml-100k/}"
PY=${PY:-python3}
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
d="$DATA_DIR/ml-100k"
peer=$("$PY" "$here/surprise_svd.py" "$d/ua.base" "$d/ua.test" | tail -1)
ours=$("$bin" fit --config "$root/examples/ml100k-ua-surprise-svd.toml" --data-dir "$d" --json -q | tail -1)
echo "surprise: $peer"
echo "rustrec:  $ours"
python3 - "$peer" "$ours" <<'PY'
import json, sys
p, o = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"surprise_rmse": p["rmse"], "rustrec_rmse": o["rmse"],
                  "surprise_train_seconds": p["train_seconds"], "rustrec_train_seconds": o["train_seconds"],
                  "time_ratio_surprise_over_rustrec": p["train_seconds"] / o["train_seconds"]}))
PY
