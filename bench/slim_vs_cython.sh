#!/usr/bin/env bash
# SLIM MSE SGD speed: rustrec (examples/ml1m-slim-mse.toml's model, 2 threads) beside the
# course's Cython loop (bench/slim_mse_cython.py, 1 thread), on the same training file.
#
#   bench/slim_vs_cython.sh ml-1m  PATH/TO/ml-1m/ratings.dat   # ML-1M, 80/20 split (seed 42)
#   bench/slim_vs_cython.sh ml-10m                             # synthetic ML-10M-shaped set
#
# The 80/20 split is written once by `rustrec split` and both read its training file.
# Env: PY (a python with Cython, numpy, scipy; default python3), EPOCHS (default 2),
# LR (default 1e-4 on ml-1m as the course; 1e-5 on ml-10m, where 1e-4 diverges for both:
# profiles of up to 7,359 ratings), WORK (scratch directory, default a new temporary one;
# the ML-10M-shaped file is ~240 MB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
PY=${PY:-python3}
EPOCHS=${EPOCHS:-2}
WORK=${WORK:-$(mktemp -d)}
what=${1:?usage: slim_vs_cython.sh ml-1m RATINGS | ml-10m}
bin="$root/target/release/rustrec"
(cd "$root" && cargo build --release -q -p rustrec-cli)

case "$what" in
  ml-1m) ratings=${2:?ml-1m needs the path of ratings.dat}; LR=${LR:-1e-4} ;;
  ml-10m)
    LR=${LR:-1e-5}
    ratings="$WORK/ml10m-like.tsv"
    [ -f "$ratings" ] || "$bin" synth --like ml-10m --seed 0 --format tsv --out "$ratings" -q
    ;;
  *) echo "unknown data set: $what" >&2; exit 2 ;;
esac
"$bin" split "$ratings" --test-fraction 0.2 --seed 42 \
  --train-out "$WORK/train.tsv" --test-out "$WORK/test.tsv" -q
# Flush the files just written: their write-back otherwise competes with the first timed run.
sync

echo "== rustrec (2 threads)"
"$bin" fit --config "$root/examples/ml1m-slim-mse.toml" --train "$WORK/train.tsv" \
  --test "$WORK/test.tsv" --set model.epochs="$EPOCHS" --set model.lr="$LR" --set eval.ranking=false --set eval.rating=false --json \
  | tail -1 | tee "$WORK/rustrec.json"
echo "== Cython (1 thread)"
"$PY" "$here/slim_mse_cython.py" "$WORK/train.tsv" --epochs "$EPOCHS" --lr "$LR" | tee "$WORK/cython.log"
tail -1 "$WORK/cython.log" > "$WORK/cython.json"
"$PY" - "$WORK/rustrec.json" "$WORK/cython.json" <<'PYEOF'
import json, sys
ours, peer = (json.load(open(p)) for p in sys.argv[1:3])
loss = peer["train_loss"]
print(f"rustrec {ours['samples_per_sec']:,.0f} samples/s, Cython {peer['samples_per_sec']:,.0f} "
      f"samples/s: {ours['samples_per_sec'] / peer['samples_per_sec']:.1f}x; "
      f"last-epoch sample MSE rustrec {ours['train_loss']:.4f}, Cython {loss[-1]:.4f}")
PYEOF
