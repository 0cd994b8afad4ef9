#!/usr/bin/env bash
# Reading a 10,000,054-line ML-10M-format ratings file: rustrec vs pandas.read_csv, as whole
# processes (wall seconds and peak memory of each, as the scale acceptance check measures).
# Usage: PY=/path/to/python-with-pandas bench/read_vs_pandas.sh [FILE]
# Without FILE, rustrec synth writes an ML-10M-shaped file to a temporary folder first.
# Prints both sides and the ratio; best of RUNS (default 3) runs each, alternating.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
PY=${PY:-python3}
RUNS=${RUNS:-3}
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
file=${1:-}
if [ -z "$file" ]; then
  file=$work/ratings.dat
  "$bin" synth --like ml-10m --format ml-dat --out "$file" -q >/dev/null
fi
for run in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$work/ours.$run" "$bin" describe "$file" --json -q >"$work/ours.json"
  /usr/bin/time -f "%e %M" -o "$work/peer.$run" "$PY" -c \
    'import sys, pandas as pd; pd.read_csv(sys.argv[1], sep=":", header=None, usecols=[0, 2, 4, 6], engine="c")' "$file"
done
python3 - "$work" "$RUNS" <<'PY'
import json, sys
work, runs = sys.argv[1], int(sys.argv[2])
def best(side):
    rows = [tuple(map(float, open(f"{work}/{side}.{k}").read().split()[-2:])) for k in range(1, runs + 1)]
    return min(rows)
(o, om), (p, pm) = best("ours"), best("peer")
lines = json.loads(open(f"{work}/ours.json").read().strip().splitlines()[-1])["lines"]
print(f"rustrec describe: {o:.2f} s, peak {om / 1e3:.0f} MB ({lines} lines)")
print(f"pandas.read_csv:  {p:.2f} s, peak {pm / 1e3:.0f} MB")
print(f"ratio: {p / o:.2f}x (pandas time / rustrec time; the scale check asks >= 2)")
print(json.dumps({"rustrec_seconds": o, "rustrec_peak_mb": round(om / 1e3), "pandas_seconds": p,
                  "pandas_peak_mb": round(pm / 1e3), "ratio": round(p / o, 3), "lines": lines}))
PY
