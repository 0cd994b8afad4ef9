#!/usr/bin/env bash
# Explicit ALS on 1, 2 and 4 processes (loopback, 1 timely worker each): seconds per
# iteration, bytes sent per iteration by process 0, exchange seconds per iteration, the seconds
# spent loading the data (each process parses its share of the text) and the bytes that sent,
# RMSE, and
# whether every layout wrote the single-process model file byte for byte.
# Usage: bench/als_processes.sh TRAIN TEST
#   e.g. the Netflix-shaped set of `rustrec synth --like netflix --format tsv --no-timestamps
#   --test-fraction 0.01 --out train.tsv --test-out test.tsv`.
# Env: ITERATIONS (3), FACTORS (40), LAYOUTS ("1 2 4"), THREADS (total threads shared by the
# processes of a layout, 2). All processes run on this machine: on 2 cores the table shows the
# cost of the exchange and the bytes sent, not a speed-up.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
train=${1:?usage: bench/als_processes.sh TRAIN TEST}
test=${2:?usage: bench/als_processes.sh TRAIN TEST}
iters=${ITERATIONS:-3}
factors=${FACTORS:-40}
layouts=${LAYOUTS:-1 2 4}
total_threads=${THREADS:-2}
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/rustrec"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
common=(fit --config "$root/examples/ml1m-als-explicit.toml" --train "$train" --test "$test"
  --set model.factors="$factors" --set model.iterations="$iters" --set model.reg=0.05)
ports() { python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"; }
for n in $layouts; do
  threads=$(( total_threads / n )); [ "$threads" -ge 1 ] || threads=1
  if [ "$n" = 1 ]; then
    "$bin" "${common[@]}" --threads "$threads" --out "$work/m1.st" --json -q >"$work/r1.json" 2>"$work/e1.log"
    continue
  fi
  : >"$work/hosts.txt"
  for p in $(ports "$n"); do echo "127.0.0.1:$p" >>"$work/hosts.txt"; done
  pids=()
  for i in $(seq 0 $((n - 1))); do
    out=(); [ "$i" = 0 ] && out=(--out "$work/m$n.st" --json)
    "$bin" "${common[@]}" --threads "$threads" --processes "$n" --process "$i" \
      --hostfile "$work/hosts.txt" --workers 1 "${out[@]}" -q >"$work/r$n.$i.json" 2>"$work/e$n.$i.log" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  cp "$work/r$n.0.json" "$work/r$n.json"
done
python3 - "$work" "$layouts" <<'PY'
import filecmp, json, sys
work, layouts = sys.argv[1], sys.argv[2].split()
rows = []
for n in layouts:
    r = json.loads(open(f"{work}/r{n}.json").read().strip().splitlines()[-1])
    same = filecmp.cmp(f"{work}/m1.st", f"{work}/m{n}.st", shallow=False)
    rows.append({"processes": int(n), "seconds_per_iteration": r["seconds_per_iteration"],
                 "bytes_sent_per_iteration": r.get("bytes_sent_per_iteration", 0),
                 "exchange_seconds_per_iteration": r.get("exchange_seconds_per_iteration", 0.0),
                 "data_seconds": r["data_seconds"],
                 "data_bytes_sent": r.get("data_bytes_sent", 0),
                 "rmse": r["rmse"], "same_model_as_1_process": same})
print("| processes | s/iteration | bytes sent / iteration (process 0) | exchange s/iteration | data s (bytes sent reading by shares) | RMSE | model = 1 process |")
print("|---|---|---|---|---|---|---|")
for x in rows:
    print(f"| {x['processes']} | {x['seconds_per_iteration']:.2f} | {x['bytes_sent_per_iteration']:,} "
          f"| {x['exchange_seconds_per_iteration']:.2f} | {x['data_seconds']:.2f} ({x['data_bytes_sent']:,}) "
          f"| {x['rmse']:.4f} | {'yes' if x['same_model_as_1_process'] else 'NO'} |")
print(json.dumps({"layouts": rows}))
PY
