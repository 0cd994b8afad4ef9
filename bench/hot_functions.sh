#!/usr/bin/env bash
# The functions the common commands run, for the linker to place together at the start of
# the binary's code (crates/rustrec-cli/build.rs explains why this lowers peak memory).
#
#   bench/hot_functions.sh           write crates/rustrec-cli/hot_functions.txt again
#   bench/hot_functions.sh --check   say how much of the code that runs today the list
#                                    covers; exit 1 below 98 % (time to write it again:
#                                    at 95 % the ML-1M fit's peak was already 1 MB higher)
#
# Builds rustrec in release mode, makes ML-1M-shaped synthetic data under a temporary
# directory and runs, under valgrind's callgrind (needs `valgrind`; about 2 minutes):
#   - `fit --config examples/ml1m-mf.toml` on a tab-separated train/test pair (--train/--test),
#   - the same config on an ML-1M `ratings.dat` with its holdout split (--data-dir),
# each for 2 epochs (an epoch runs the same code as 20). The list holds every function of
# the binary that either run executed, in the binary's present address order (which keeps
# each crate's code together). The last stdout line is one JSON object.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
mode=${1:-write}
case "$mode" in write | --check) ;; *) echo "usage: $0 [--check]" >&2; exit 2 ;; esac

cargo build --release -q -p rustrec-cli
bin=target/release/rustrec
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ml-1m"
quietly() { "$@" >"$work/step.log" 2>&1 || { cat "$work/step.log" >&2; exit 1; }; }
quietly "$bin" synth --like ml-1m --format tsv --no-timestamps --out "$work/train.tsv" \
  --test-fraction 0.1 --test-out "$work/test.tsv"
quietly "$bin" synth --like ml-1m --format ml-dat --out "$work/ml-1m/ratings.dat"

profile() {
  local out=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$out" --demangle=no --dump-instr=no \
    "$bin" "$@" --set model.epochs=2 --json >/dev/null 2>"$out.log" ||
    { cat "$out.log" >&2; exit 1; }
}
profile "$work/split.cg" fit --config examples/ml1m-mf.toml --train "$work/train.tsv" --test "$work/test.tsv"
profile "$work/dat.cg" fit --config examples/ml1m-mf.toml --data-dir "$work/ml-1m"
nm -S "$bin" >"$work/symbols"

python3 - "$mode" "$work" crates/rustrec-cli/hot_functions.txt <<'EOF'
import json, re, sys
mode, work, listed_path = sys.argv[1:]
# Functions of the binary: name -> (address, size).
code = {}
for line in open(f"{work}/symbols"):
    parts = line.split()
    if len(parts) == 4 and parts[2] in "tTwW":
        code[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
# Every function callgrind saw run (callers and callees), recursion marks ('2) removed.
ran = set()
for name in ("split.cg", "dat.cg"):
    for line in open(f"{work}/{name}"):
        m = re.match(r"^c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
        if m:
            ran.add(re.sub(r"'\d+$", "", m.group(1)))
hot = sorted((n for n in ran if n in code), key=lambda n: code[n][0])
hot_bytes = sum(code[n][1] for n in hot)
if mode == "write":
    with open(listed_path, "w") as f:
        f.write("".join(n + "\n" for n in hot))
    print(json.dumps({"functions": len(hot), "bytes": hot_bytes, "file": listed_path}))
else:
    listed = {l.strip() for l in open(listed_path) if l.strip()}
    covered = sum(code[n][1] for n in hot if n in listed)
    share = covered / hot_bytes if hot_bytes else 0.0
    print(json.dumps({
        "functions": len(hot), "bytes": hot_bytes,
        "listed": len(listed), "listed_present": sum(1 for n in listed if n in code),
        "covered_bytes": covered, "covered_share": round(share, 4),
    }))
    sys.exit(0 if share >= 0.98 else 1)
EOF
