#!/usr/bin/env bash
# MF's two layouts for plain shuffled SGD side by side, `shuffled` (ratings copied into
# fully shuffled blocks) and `rows` (blocks read the CSR rows in place), on synthetic sets of
# several shapes and sizes: the measurements behind ROWS_LAYOUT_MIN_RATINGS, the size from
# which `layout = "auto"` picks `rows`.
# Usage: bench/mf_layouts.sh [SHAPE:RATINGS ...]
#   default: ml-10m:3000000 ml-10m:4500000 ml-10m:6000000 ml-10m:10000054
#            ml-20m:4000000 ml-20m:9000000 ml-20m:20000263 netflix:11000000
# Each set is `rustrec synth --like SHAPE --ratings RATINGS --test-fraction 0.1` (seed 42)
# under a temporary directory; each layout is trained with examples/ml1m-mf.toml (k 40, 20
# epochs, 2 threads). Prints one JSON line per set and layout (training ratings, RMSE,
# train seconds, whole-process peak resident memory by GNU time), then one per set with the
# ratios rows / shuffled.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sets=("$@")
if [ ${#sets[@]} -eq 0 ]; then
  sets=(ml-10m:3000000 ml-10m:4500000 ml-10m:6000000 ml-10m:10000054
        ml-20m:4000000 ml-20m:9000000 ml-20m:20000263 netflix:11000000)
fi
for set in "${sets[@]}"; do
  shape=${set%%:*} ratings=${set##*:}
  "$bin" synth --like "$shape" --ratings "$ratings" --format tsv --out "$work/train.tsv" \
    --test-fraction 0.1 --test-out "$work/test.tsv" -q >/dev/null
  for layout in shuffled rows; do
    /usr/bin/time -f "%M" -o "$work/$layout.peak" "$bin" fit --config "$root/examples/ml1m-mf.toml" \
      --train "$work/train.tsv" --test "$work/test.tsv" --set "model.layout=\"$layout\"" \
      --json -q >"$work/$layout.json"
    python3 - "$shape" "$ratings" "$layout" "$work/$layout.json" "$work/$layout.peak" <<'PY'
import json, sys
shape, ratings, layout, out, peak = sys.argv[1:]
o = json.load(open(out))
print(json.dumps({"shape": shape, "ratings": int(ratings), "layout": layout,
                  "train_interactions": o["train_interactions"], "rmse": round(o["rmse"], 5),
                  "train_seconds": round(o["train_seconds"], 3),
                  "peak_mb": round(int(open(peak).read().split()[-1]) / 1024, 1)}))
PY
  done
  python3 - "$shape" "$ratings" "$work" <<'PY'
import json, sys
shape, ratings, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s, r = (json.load(open(f"{work}/{l}.json")) for l in ("shuffled", "rows"))
ps, pr = (int(open(f"{work}/{l}.peak").read().split()[-1]) for l in ("shuffled", "rows"))
print(json.dumps({"shape": shape, "ratings": ratings,
                  "train_seconds_ratio_rows_over_shuffled": round(r["train_seconds"] / s["train_seconds"], 3),
                  "peak_ratio_rows_over_shuffled": round(pr / ps, 3),
                  "rmse_rows_minus_shuffled": round(r["rmse"] - s["rmse"], 5)}))
PY
done
