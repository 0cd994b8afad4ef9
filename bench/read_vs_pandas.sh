#!/usr/bin/env bash
# Reading a 10,000,054-line ML-10M-format ratings file: rustrec vs pandas.read_csv.
# Usage: PY=/path/to/python-with-pandas bench/read_vs_pandas.sh [FILE]
# Without FILE, rustrec synth writes an ML-10M-shaped file to a temporary folder first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
PY=${PY:-python3}
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
file=${1:-}
if [ -z "$file" ]; then
  file=$(mktemp -d)/ratings.dat
  "$bin" synth --like ml-10m --format ml-dat --out "$file" -q >/dev/null
fi
ours=$("$bin" describe "$file" --json -q | tail -1)
peer=$("$PY" "$here/pandas_read.py" "$file" | tail -1)
echo "rustrec: $ours"
echo "pandas:  $peer"
python3 - "$peer" "$ours" <<'PY'
import json, sys
p, o = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"rustrec_lines_per_sec": o["lines_per_sec"], "pandas_lines_per_sec": p["lines_per_sec"],
                  "rustrec_read_seconds": o["read_seconds"], "pandas_seconds": p["seconds"],
                  "ratio": o["lines_per_sec"] / p["lines_per_sec"]}))
PY
