#!/usr/bin/env bash
# `rustrec serve` against a FastAPI + uvicorn + implicit server of the same model (implicit
# ALS, k = 64, ML-1M, every rating a positive), under the same wrk load: 2 wrk threads,
# 32 connections, 10 s, random users 1..6040, n = 10 (the acceptance's random_users.lua).
# Prints both wrk summaries, then one JSON line with both figures and the ratio.
#
#   bench/serve_vs_fastapi.sh [ML1M_DIR]        (or DATA_DIR=... holding ml-1m/)
#
# Peers come from the package index into a venv outside the project (the acceptance's
# peers/setup-venv.sh: numpy, scipy, implicit, fastapi, uvicorn); wrk from Debian's package
# (apt-get install wrk). Nothing else is downloaded or built; models go to a temporary
# directory. Env: CONNECTIONS (32), DURATION (10s), PEERS (the peers directory).
set -euo pipefail
cd "$(dirname "$0")/.."
ML1M=${1:-${DATA_DIR:-}/ml-1m}
[ -f "$ML1M/ratings.dat" ] || { echo "usage: $0 ML1M_DIR (or DATA_DIR holding ml-1m/): no ratings.dat in '$ML1M'" >&2; exit 2; }
PEERS=${PEERS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/acceptance/peers}
[ -f "$PEERS/fastapi_implicit_server.py" ] || { echo "set PEERS to the directory of fastapi_implicit_server.py" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
C=${CONNECTIONS:-32}; D=${DURATION:-10s}
cargo build --release -q
BIN=$(pwd)/target/release/rustrec
PY=$("$PEERS/setup-venv.sh")
W=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up() { for _ in $(seq 1 480); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.25; done; return 1; }

"$BIN" fit --config examples/ml1m-ials.toml --data-dir "$ML1M" --out "$W/ials.st" -q >/dev/null
P=$(port)
"$BIN" serve --model ials="$W/ials.st" --addr "127.0.0.1:$P" >"$W/serve.log" 2>&1 & pids+=($!)
up "http://127.0.0.1:$P/healthz" || { echo "rustrec serve did not start: $(tail -3 "$W/serve.log")" >&2; exit 1; }
PP=$(port)
OPENBLAS_NUM_THREADS=1 "$PY" "$PEERS/fastapi_implicit_server.py" "$ML1M/ratings.dat" "$PP" >"$W/peer.log" 2>&1 & pids+=($!)
up "http://127.0.0.1:$PP/recommend/1" || { echo "the peer did not start: $(tail -3 "$W/peer.log")" >&2; exit 1; }

sed 's#"/recommend/"#"/v1/recommend/"#' "$PEERS/random_users.lua" >"$W/ours.lua"
echo "== rustrec serve" >&2
wrk -t2 -c"$C" -d"$D" --latency -s "$W/ours.lua" "http://127.0.0.1:$P" | tee "$W/ours.txt" >&2
echo "== FastAPI + implicit" >&2
wrk -t2 -c"$C" -d"$D" --latency -s "$PEERS/random_users.lua" "http://127.0.0.1:$PP" | tee "$W/peer.txt" >&2
python3 - "$W/ours.txt" "$W/peer.txt" "$C" <<'PY'
import json, re, sys
def parse(p):
    t = open(p).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    def q(pct):
        m = re.search(pct + r"%\s+([\d.]+)(us|ms|s)\b", t)
        return round(float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)], 3)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return {"requests_per_sec": rps, "p50_ms": q("50"), "p99_ms": q("99"),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}
o, p = parse(sys.argv[1]), parse(sys.argv[2])
print(json.dumps({"load": f"wrk -t2 -c{sys.argv[3]} random users, n=10", "rustrec": o, "fastapi_implicit": p,
                  "ratio_requests_per_sec": round(o["requests_per_sec"] / p["requests_per_sec"], 2)}))
PY
