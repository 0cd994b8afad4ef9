#!/usr/bin/env bash
# LIBMF (peer) matrix-factorization speed and accuracy.
#
# usage: LIBMF_DIR=/path/to/libmf bench/libmf.sh TRAIN TEST [extra mf-train args]
#
# TRAIN/TEST: whitespace-separated `user item rating` files (make them with
# bench/split_ratings.py, outside the project). LIBMF_DIR must hold an already built
# mf-train and mf-predict (build LIBMF by hand from its public repository; this script
# neither downloads nor builds it).
#
# Runs `mf-train -k 40 -t 20 -s 2 [extra args] TRAIN MODEL` (later flags override the
# defaults, e.g. `-l2 0.05 -k 100 -s 1 --quiet`), timing the whole process (file read,
# grid/shuffle and all epochs), then `mf-predict -e 0 TEST MODEL`. The training log goes
# to stderr; the last stdout line is one JSON object:
# {"system":"libmf","train_seconds","updates_per_sec" (= epochs * n_train / train_seconds),
#  "peak_mb" (mf-train's peak resident memory, GNU time), "rmse","k","epochs","threads","l2",...}
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,16p' "$0" >&2
  exit 2
fi
: "${LIBMF_DIR:?set LIBMF_DIR to a directory with built mf-train and mf-predict}"
train=$1 test=$2
shift 2
for b in mf-train mf-predict; do
  [ -x "$LIBMF_DIR/$b" ] || { echo "no executable $LIBMF_DIR/$b" >&2; exit 2; }
done

args=(-k 40 -t 20 -s 2 "$@")
# Effective values: mf-train parses its flags in order, so the last occurrence wins.
k=40 epochs=20 threads=2 l2=0.1
i=0
while [ $i -lt ${#args[@]} ]; do
  case "${args[$i]}" in
    -k) k=${args[$((i + 1))]}; i=$((i + 1)) ;;
    -t) epochs=${args[$((i + 1))]}; i=$((i + 1)) ;;
    -s) threads=${args[$((i + 1))]}; i=$((i + 1)) ;;
    -l2) l2=${args[$((i + 1))]}; i=$((i + 1)) ;;
    -l1|-f|-r|-a|-c|-n|-p|-v) i=$((i + 1)) ;;
  esac
  i=$((i + 1))
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n_train=$(awk 'NF >= 3 { n++ } END { print n + 0 }' "$train")
n_test=$(awk 'NF >= 3 { n++ } END { print n + 0 }' "$test")

t0=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$tmp/peak_kb" "$LIBMF_DIR/mf-train" "${args[@]}" "$train" "$tmp/model" >&2
t1=$(date +%s.%N)
peak_kb=$(tail -1 "$tmp/peak_kb")
"$LIBMF_DIR/mf-predict" -e 0 "$test" "$tmp/model" "$tmp/pred" > "$tmp/predict.out"
cat "$tmp/predict.out" >&2
rmse=$(sed -n 's/^RMSE = *//p' "$tmp/predict.out" | tail -1)

# l2 may be "a" or "a,b" (P and Q): report a number or a [P, Q] pair.
case "$l2" in
  *,*) l2_json="[${l2}]" ;;
  *) l2_json=$l2 ;;
esac
awk -v t0="$t0" -v t1="$t1" -v n="$n_train" -v nt="$n_test" -v e="$epochs" -v k="$k" \
    -v s="$threads" -v l2="$l2_json" -v rmse="${rmse:-null}" -v dir="$LIBMF_DIR" -v peak="$peak_kb" 'BEGIN {
  secs = t1 - t0
  printf "{\"system\":\"libmf\",\"train_seconds\":%.3f,\"updates_per_sec\":%.0f,\"peak_mb\":%.1f,\"rmse\":%s,", secs, e * n / secs, peak / 1024, rmse
  printf "\"k\":%d,\"epochs\":%d,\"threads\":%d,\"l2\":%s,\"n_train\":%d,\"n_test\":%d,\"libmf_dir\":\"%s\"}\n", k, e, s, l2, n, nt, dir
}'
