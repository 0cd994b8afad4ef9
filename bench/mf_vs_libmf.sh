#!/usr/bin/env bash
# rustrec vs LIBMF on ML-1M ratings.dat, 90/10 random split (seed 42) written to files that
# both read; k = 40, 20 epochs, 2 threads, l2 = $L2 (default 0.05).
# Usage: DATA_DIR=/path/to/data LIBMF_DIR=/path/to/libmf-build bench/mf_vs_libmf.sh
# (LIBMF_DIR: a directory with LIBMF's mf-train and mf-predict, built by hand; see
# bench/README.md.) Prints both JSON lines, then one JSON object with the speed ratio and
# both whole processes' peak resident memory (GNU time) and its ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${DATA_DIR:?set DATA_DIR to the folder holding ml-1m/}"
: "${LIBMF_DIR:?set LIBMF_DIR to a LIBMF build directory}"
L2=${L2:-0.05}
work=${WORK:-$(mktemp -d)}
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
"$bin" split "$DATA_DIR/ml-1m/ratings.dat" --test-fraction 0.1 --seed 42 \
  --train-out "$work/train.tsv" --test-out "$work/test.tsv" -q >/dev/null
peer=$(LIBMF_DIR="$LIBMF_DIR" "$here/libmf.sh" "$work/train.tsv" "$work/test.tsv" -l2 "$L2" | tail -1)
ours=$(/usr/bin/time -f "%M" -o "$work/rustrec_peak_kb" "$bin" fit --config "$root/examples/ml1m-mf.toml" \
  --train "$work/train.tsv" --test "$work/test.tsv" --reg "$L2" --json -q | tail -1)
ours_peak_kb=$(tail -1 "$work/rustrec_peak_kb")
echo "libmf:   $peer"
echo "rustrec: $ours"
python3 - "$peer" "$ours" "$ours_peak_kb" <<'PY'
import json, sys
p, o, ours_peak_mb = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]) / 1024
print(json.dumps({"libmf_updates_per_sec": p["updates_per_sec"], "rustrec_samples_per_sec": o["samples_per_sec"],
                  "libmf_rmse": p["rmse"], "rustrec_rmse": o["rmse"],
                  "speed_ratio_rustrec_over_libmf": o["samples_per_sec"] / p["updates_per_sec"],
                  "libmf_peak_mb": p["peak_mb"], "rustrec_peak_mb": round(ours_peak_mb, 1),
                  "memory_ratio_rustrec_over_libmf": ours_peak_mb / p["peak_mb"]}))
PY
