#!/usr/bin/env bash
# Property-based API test of `rustrec serve` with schemathesis, driven by its own
# /openapi.json: no 5xx for any generated request, every response conforms to the
# document (status codes, content types, schemas), with a bounded number of examples.
#
#   crates/rustrec-serve/tests/schemathesis.sh [MAX_EXAMPLES]     (from the project root)
#
# Needs network only for pip: schemathesis goes into a venv outside the project
# ($ST_VENV, default ~/.cache/rustrec-serve/venv). The models are trained on a small
# synthetic file written to a temporary directory; the server listens on an ephemeral
# loopback port and is stopped at the end.
set -euo pipefail
MAX_EXAMPLES=${1:-40}
ST_VERSION=${ST_VERSION:-4.32.5}
venv=${ST_VENV:-$HOME/.cache/rustrec-serve/venv}
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" -q install "schemathesis==$ST_VERSION"
fi
cargo build --release -q
BIN=$(pwd)/target/release/rustrec
W=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
"$BIN" synth --users 300 --items 200 --ratings 8000 --min-per-user 10 --seed 1 --format ml-tab --out "$W/u.data" -q >/dev/null
"$BIN" split "$W/u.data" --kind holdout --test-fraction 0.1 --seed 1 --train-out "$W/train.tsv" --test-out "$W/test.tsv" -q >/dev/null
"$BIN" fit --train "$W/train.tsv" --test "$W/test.tsv" --model ials --set model.factors=8 --out "$W/ials.st" -q >/dev/null
"$BIN" fit --train "$W/train.tsv" --test "$W/test.tsv" --model mf --factors 8 --epochs 5 --out "$W/mf.st" -q >/dev/null
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --model ials="$W/ials.st" --model mf="$W/mf.st" --addr "127.0.0.1:$P" >"$W/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$P/healthz" >/dev/null && break; sleep 0.1; done
# Checks: not_a_server_error (no 5xx) and the conformance checks of the responses. Run
# from the temporary directory: schemathesis keeps a cache (.schemathesis/) where it runs.
cd "$W"
"$venv/bin/schemathesis" run "http://127.0.0.1:$P/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$MAX_EXAMPLES" --seed 42 --workers 1 --exclude-path /v1/reload --max-time 120
curl -sf "http://127.0.0.1:$P/healthz" >/dev/null && echo "server alive after the run"
