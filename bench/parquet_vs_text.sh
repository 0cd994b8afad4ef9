#!/usr/bin/env bash
# Reading the same ratings as text and as Parquet: `rustrec describe` on an ML-10M-shaped
# ratings.dat and on its `rustrec convert` to Parquet, as whole processes (wall seconds, peak
# memory), and a check that MF fitted on either gives byte-identical model files.
# Usage: bench/parquet_vs_text.sh [FILE]   (RUNS=3: best of that many runs each)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
RUNS=${RUNS:-3}
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
file=${1:-}
if [ -z "$file" ]; then
  file=$work/r10m.dat
  "$bin" synth --like ml-10m --format ml-dat --out "$file" -q >/dev/null
fi
"$bin" convert "$file" "$work/r.parquet" -q >/dev/null
"$bin" fit --ratings "$file" --split holdout:0.1 --epochs 2 --out "$work/a.st" -q >/dev/null
"$bin" fit --ratings "$work/r.parquet" --split holdout:0.1 --epochs 2 --out "$work/b.st" -q >/dev/null
same=no; cmp -s "$work/a.st" "$work/b.st" && same=yes
for run in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$work/text.$run" "$bin" describe "$file" --json -q >/dev/null
  /usr/bin/time -f "%e %M" -o "$work/pq.$run" "$bin" describe "$work/r.parquet" --json -q >/dev/null
done
python3 - "$work" "$RUNS" "$same" "$(stat -c %s "$file")" "$(stat -c %s "$work/r.parquet")" <<'PY'
import json, sys
work, runs, same, tb, pb = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def best(side):
    return min(tuple(map(float, open(f"{work}/{side}.{k}").read().split()[-2:])) for k in range(1, runs + 1))
(t, tm), (p, pm) = best("text"), best("pq")
print(f"text:    {t:.2f} s, peak {tm / 1e3:.0f} MB, {tb / 1e6:.0f} MB on disk")
print(f"parquet: {p:.2f} s, peak {pm / 1e3:.0f} MB, {pb / 1e6:.0f} MB on disk")
print(f"ratio: {t / p:.2f}x (text time / parquet time; the scale check asks >= 3); same model: {same}")
print(json.dumps({"text_seconds": t, "parquet_seconds": p, "ratio": round(t / p, 3),
                  "text_peak_mb": round(tm / 1e3), "parquet_peak_mb": round(pm / 1e3),
                  "same_model": same == "yes"}))
PY
