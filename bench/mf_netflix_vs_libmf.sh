#!/usr/bin/env bash
# MF at Netflix size: rustrec vs LIBMF as whole processes on the synthetic Netflix-shaped set
# (`rustrec synth --like netflix`: 480,189 users, 17,770 items, 100,480,507 ratings, 1% test,
# seed 42); k 40, 20 epochs, l2 0.05, 2 threads (`examples/ml1m-mf.toml` with --train/--test,
# against `mf-train -k 40 -t 20 -s 2 -l2 0.05`). Reports wall seconds and peak memory of each
# whole process (GNU time), test RMSE of each, and the ratios.
# Usage: LIBMF_DIR=/path/to/libmf-avx-build bench/mf_netflix_vs_libmf.sh
# (LIBMF_DIR: LIBMF's mf-train and mf-predict, built by hand; see bench/README.md.)
# WORK=DIR keeps the 1.5 GB training file between runs (it is made once per DIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${LIBMF_DIR:?set LIBMF_DIR to a LIBMF build directory (mf-train, mf-predict)}"
work=${WORK:-$(mktemp -d)}
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
cd "$work"
if [ ! -s train.tsv ] || [ ! -s test.tsv ]; then
  "$bin" synth --like netflix --format tsv --no-timestamps --test-fraction 0.01 --seed 42 \
    --out train.tsv --test-out test.tsv -q >/dev/null
fi
sync
/usr/bin/time -f "%e %M" -o ours.time "$bin" fit --config "$root/examples/ml1m-mf.toml" \
  --train train.tsv --test test.tsv --reg 0.05 --json -q >ours.json
/usr/bin/time -f "%e %M" -o libmf.time "$LIBMF_DIR/mf-train" -k 40 -t 20 -s 2 -l2 0.05 --quiet \
  train.tsv model.libmf
"$LIBMF_DIR/mf-predict" -e 0 test.tsv model.libmf pred.txt >libmf-rmse.txt
python3 - <<'PY'
import json, re
ow, om = map(float, open("ours.time").read().split()[-2:])
lw, lm = map(float, open("libmf.time").read().split()[-2:])
o = json.loads([l for l in open("ours.json") if l.startswith("{")][-1])
lr = float(re.search(r"RMSE = ([\d.]+)", open("libmf-rmse.txt").read()).group(1))
print(json.dumps({
    "rustrec_seconds": ow, "rustrec_peak_gb": om / 1e6, "rustrec_rmse": o["rmse"],
    "rustrec_data_seconds": o["data_seconds"], "rustrec_seconds_per_iteration": o["seconds_per_iteration"],
    "libmf_seconds": lw, "libmf_peak_gb": lm / 1e6, "libmf_rmse": lr,
    "time_ratio_rustrec_over_libmf": ow / lw, "memory_ratio_rustrec_over_libmf": om / lm,
}))
PY
