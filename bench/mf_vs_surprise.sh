#!/usr/bin/env bash
# rustrec vs Surprise SVD (default settings) on ML-100K ua.base → ua.test.
# Usage: DATA_DIR=/path/to/data PY=/path/to/venv/python [SEEDS=N] bench/mf_vs_surprise.sh
# (PY: a python with scikit-surprise installed; see bench/README.md.) With SEEDS unset or 1:
# prints both JSON lines (Surprise seed 0, rustrec the config's seed), then one JSON object
# with the time ratio. With SEEDS=N: runs both with seeds 0..N-1 (the initial factors are
# the only random part of either) and prints one JSON object with each side's mean, std
# and standard error of the RMSE, and the gap.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${DATA_DIR:?set DATA_DIR to the folder holding ml-100k/}"
PY=${PY:-python3}
SEEDS=${SEEDS:-1}
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
d="$DATA_DIR/ml-100k"
cfg="$root/examples/ml100k-ua-surprise-svd.toml"
if [ "$SEEDS" -le 1 ]; then
    peer=$("$PY" "$here/surprise_svd.py" "$d/ua.base" "$d/ua.test" | tail -1)
    ours=$("$bin" fit --config "$cfg" --data-dir "$d" --json -q | tail -1)
    echo "surprise: $peer"
    echo "rustrec:  $ours"
    python3 - "$peer" "$ours" <<'PY'
import json, sys
p, o = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"surprise_rmse": p["rmse"], "rustrec_rmse": o["rmse"],
                  "surprise_train_seconds": p["train_seconds"], "rustrec_train_seconds": o["train_seconds"],
                  "time_ratio_surprise_over_rustrec": p["train_seconds"] / o["train_seconds"]}))
PY
    exit 0
fi
peers=""; ours=""
for ((s = 0; s < SEEDS; s++)); do
    peers+=$("$PY" "$here/surprise_svd.py" "$d/ua.base" "$d/ua.test" --seed "$s" | tail -1)$'\n'
    ours+=$("$bin" fit --config "$cfg" --data-dir "$d" --json -q --seed "$s" | tail -1)$'\n'
done
python3 - "$peers" "$ours" <<'PY'
import json, statistics, sys
def summary(lines):
    r = [json.loads(l)["rmse"] for l in lines.splitlines() if l.strip()]
    sd = statistics.stdev(r)
    return {"mean": round(statistics.mean(r), 5), "std": round(sd, 5),
            "se": round(sd / len(r) ** 0.5, 5), "n": len(r)}
p, o = summary(sys.argv[1]), summary(sys.argv[2])
print(json.dumps({"surprise_rmse": p, "rustrec_rmse": o,
                  "gap_rustrec_minus_surprise": round(o["mean"] - p["mean"], 5)}))
PY
