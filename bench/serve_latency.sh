#!/usr/bin/env bash
# Latency of `rustrec serve` (implicit ALS, k = 64, ML-1M: examples/ml1m-ials.toml) under
# wrk at 1, 32 and 64 connections for known users (GET /v1/recommend/{random user}?n=10),
# and for new users by fold-in (POST /v1/recommend with 5 random liked items of 40
# well-known ML-1M movies, n = 10) at 32 connections. Prints each wrk summary to stderr,
# then one JSON line: requests/s, p50, p90, p99 and non-2xx per run.
#
#   bench/serve_latency.sh [ML1M_DIR]        (or DATA_DIR=... holding ml-1m/)
#
# wrk from Debian's package (apt-get install wrk). The model goes to a temporary
# directory; the server listens on an ephemeral loopback port. Env: DURATION (10s),
# THREADS (the server's --threads; default one per core).
set -euo pipefail
cd "$(dirname "$0")/.."
ML1M=${1:-${DATA_DIR:-}/ml-1m}
[ -f "$ML1M/ratings.dat" ] || { echo "usage: $0 ML1M_DIR (or DATA_DIR holding ml-1m/): no ratings.dat in '$ML1M'" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
D=${DURATION:-10s}
cargo build --release -q
BIN=$(pwd)/target/release/rustrec
W=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
"$BIN" fit --config examples/ml1m-ials.toml --data-dir "$ML1M" --out "$W/ials.st" -q >/dev/null
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --model ials="$W/ials.st" --addr "127.0.0.1:$P" ${THREADS:+--threads "$THREADS"} >"$W/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$P/healthz" >/dev/null && break; sleep 0.25; done
cat >"$W/users.lua" <<'LUA'
math.randomseed(42)
request = function()
  return wrk.format("GET", "/v1/recommend/" .. math.random(1, 6040) .. "?n=10")
end
LUA
cat >"$W/foldin.lua" <<'LUA'
math.randomseed(42)
local movies = {1, 2, 32, 34, 47, 50, 110, 150, 260, 296, 318, 356, 364, 377, 380, 457, 480,
  527, 541, 589, 590, 593, 608, 648, 733, 780, 858, 1036, 1097, 1136, 1196, 1197, 1198,
  1210, 1240, 1270, 1291, 2028, 2571, 2858}
local headers = {["Content-Type"] = "application/json"}
request = function()
  local picked, parts = {}, {}
  while #parts < 5 do
    local m = movies[math.random(1, #movies)]
    if not picked[m] then
      picked[m] = true
      parts[#parts + 1] = '"' .. m .. '": 1'
    end
  end
  return wrk.format("POST", "/v1/recommend", headers, '{"history": {' .. table.concat(parts, ", ") .. '}, "n": 10}')
end
LUA
U=http://127.0.0.1:$P
run() { # NAME CONNECTIONS SCRIPT
  wrk -t"$(( $2 < 2 ? 1 : 2 ))" -c"$2" -d"$D" --latency -s "$3" "$U" >"$W/$1.txt" 2>&1
  echo "== $1: wrk -c$2 -d$D" >&2; cat "$W/$1.txt" >&2
}
run get_c1 1 "$W/users.lua"
run get_c32 32 "$W/users.lua"
run get_c64 64 "$W/users.lua"
run foldin_c32 32 "$W/foldin.lua"
python3 - "$W" "$D" <<'PY'
import json, re, sys
def parse(p):
    t = open(p).read()
    def q(pct):
        m = re.search(r"\b" + pct + r"%\s+([\d.]+)(us|ms|s)\b", t)
        return round(float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)], 3)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return {"requests_per_sec": float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)),
            "p50_ms": q("50"), "p90_ms": q("90"), "p99_ms": q("99"),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}
runs = {name: parse(f"{sys.argv[1]}/{name}.txt") for name in ["get_c1", "get_c32", "get_c64", "foldin_c32"]}
print(json.dumps({"model": "ials k=64 ML-1M", "duration": sys.argv[2], **runs}))
PY
