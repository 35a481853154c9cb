#!/usr/bin/env bash
# An anonymous GET of /robots.txt under gunicorn against the same route of a bare Flask app: what the journal's
# per-request machinery (session, login, limiter, headers, request ids, page cache) costs a reader.
#
#   scripts/bench_robots.sh [ROUNDS] [SECONDS]     (PAGE_CACHE_URL=none to measure Flask's own path)
#
# gunicorn -w 2 for each app on free loopback ports, `wrk -t2 -c8` for SECONDS, ROUNDS alternating rounds; prints
# each round's req/s, the medians, their ratio and the load average. Other benchmarks on the machine share
# /tmp/bench.lock: run it under `flock /tmp/bench.lock`.
set -euo pipefail

rounds=${1:-3} seconds=${2:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cat >"$work/bare.py" <<'PY'
from flask import Flask, Response

app = Flask(__name__)


@app.get("/robots.txt")
def robots():
    return Response("User-agent: *\nAllow: /\n", mimetype="text/plain")
PY

port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
serve() {  # directory, module, port
    (cd "$1" && exec "$repo/.venv/bin/gunicorn" -w 2 -b "127.0.0.1:$3" --log-level warning "$2") &
    pids+=($!)
    until curl -fs -o /dev/null "http://127.0.0.1:$3/robots.txt"; do sleep 0.2; done
}

export JOURNAL_INSTANCE_PATH="$work/instance" DATABASE_URL="sqlite:///$work/journal.sqlite3"
app_port=$(port) bare_port=$(port)
serve "$repo" wsgi:app "$app_port"
serve "$work" bare:app "$bare_port"

rate() { wrk -t2 -c8 -d"${seconds}s" "http://127.0.0.1:$1/robots.txt" | awk '/Requests\/sec/ {print $2}'; }
app_rates=() bare_rates=()
for round in $(seq "$rounds"); do
    app_rates+=("$(rate "$app_port")")
    bare_rates+=("$(rate "$bare_port")")
    echo "round $round: journal ${app_rates[-1]} req/s, bare Flask ${bare_rates[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
app=$(median "${app_rates[@]}") bare=$(median "${bare_rates[@]}")
echo "median: journal $app req/s, bare Flask $bare req/s, ratio $(awk -v a="$app" -v b="$bare" 'BEGIN {printf "%.0f %%", 100 * a / b}')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
