#!/usr/bin/env bash
# Seconds from `git clone` to the demo's first HTTP 200, as a newcomer's `make run` goes, and each step's share:
# clone, venv (+ uv), install, migrate, seed, then serve until http://127.0.0.1:PORT/ answers 200. The README has
# the figures.
#
#   scripts/measure_setup.sh [RUNS] [--cold]
#
# Clones this repository's checked-out commit (commit first) into a temporary folder, each run anew. --cold gives
# uv and pip an empty cache of their own (a machine that never installed these packages); without it they use the
# machine's usual caches. A free port is used, so a server already on 5000 is neither hit nor disturbed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=1 cold=0
for arg in "$@"; do
    case $arg in
        --cold) cold=1 ;;
        [0-9]*) runs=$arg ;;
        *) echo "usage: $0 [RUNS] [--cold]" >&2; exit 2 ;;
    esac
done

now() { date +%s.%N; }
seconds() { printf '%.1f' "$(echo "$2 - $1" | bc)"; }

for run in $(seq "$runs"); do
    work=$(mktemp -d)
    server=""
    cleanup() {
        if [ -n "$server" ]; then kill -TERM -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
        rm -rf "$work"
    }
    trap cleanup EXIT
    if [ "$cold" = 1 ]; then
        export UV_CACHE_DIR="$work/uv-cache" PIP_CACHE_DIR="$work/pip-cache"
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    start=$(now)
    git clone -q "$repo" "$work/journal"
    cd "$work/journal"
    # One `make run`, as a newcomer types it; each line it prints is stamped, so make's echo of each step's
    # command marks where that step begins.
    setsid bash -c 'make --no-print-directory run PORT="$1" 2>&1 | while IFS= read -r l; do echo "$(date +%s.%N) $l"; done' \
        _ "$port" >"$work/make.log" &
    server=$!
    until curl -fs -o /dev/null "http://127.0.0.1:$port/"; do
        kill -0 "$server" 2>/dev/null || { echo "make run stopped:"; tail -30 "$work/make.log"; exit 1; }
        if [ "$(seconds "$start" "$(now)" | cut -d. -f1)" -ge 600 ]; then echo "no 200 within 600 s"; exit 1; fi
        sleep 0.2
    done
    t=$(now)
    at() { grep -m1 -F -- "$1" "$work/make.log" | cut -d' ' -f1; }
    venv=$(at " -m venv ") install=$(at " install --") migrate=$(at "flask db upgrade") seed=$(at "flask journal seed-demo")
    serve=$(at "Serving on")
    echo "run $run$([ "$cold" = 1 ] && echo ' (cold cache)'): clone $(seconds "$start" "$venv")" \
        "venv+uv $(seconds "$venv" "$install") install $(seconds "$install" "$migrate")" \
        "migrate $(seconds "$migrate" "$seed") seed $(seconds "$seed" "$serve") serve $(seconds "$serve" "$t")" \
        "| clone → HTTP 200: $(seconds "$start" "$t") s"
    cd "$repo"
    cleanup
    server=""
    trap - EXIT
done
