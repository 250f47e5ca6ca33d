#!/usr/bin/env bash
# End-to-end throughput of stage 3: V3DemoServer (release) under wrk, on the allowed path
# (a limit nobody reaches) and on the rejected path (every request but the first gets 429).
#
# Usage: Benchmarks/EndToEnd/v3-wrk.sh            (from anywhere; takes about a minute)
# Env:   DURATION=5s CONNECTIONS=64 to change the load; everything binds 127.0.0.1 only.
set -euo pipefail

cd "$(dirname "$0")/../.."
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-64}"
SCRATCH=".build-v3-release"
WORK="$(mktemp -d)"
SERVER_PID=""

cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        # Give the graceful shutdown two seconds, then insist.
        for _ in $(seq 20); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
    echo "wrk not found; installing it with apt-get" >&2
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

echo "building V3DemoServer (release)..." >&2
swift build -c release --scratch-path "$SCRATCH" --product V3DemoServer >&2
BINARY="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/V3DemoServer"

# Starts the server on a free port (LISTEN_ADDR port 0) and sets PORT from its first line.
start_server() {
    local log="$WORK/server.log"
    : >"$log"
    env LISTEN_ADDR=127.0.0.1:0 "$@" "$BINARY" >"$log" 2>&1 &
    SERVER_PID=$!
    PORT=""
    for _ in $(seq 100); do
        PORT="$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log")"
        [[ -n "$PORT" ]] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "server did not start:" >&2
    cat "$log" >&2
    exit 1
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# Runs wrk against the server and prints one summary line for `label`.
measure() {
    local label="$1"
    local out="$WORK/wrk.txt"
    # wrk stops itself after DURATION; the timeout only guards against a wedged run.
    timeout 60 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/" >"$out"
    local rps p99 non2xx
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p99="$(awk '$1 == "99%" {print $2}' "$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
    printf '%-34s %12s req/s   p99 %-9s non-2xx %s\n' "$label" "$rps" "$p99" "${non2xx:-0}"
}

echo "wrk -t1 -c$CONNECTIONS -d$DURATION against V3DemoServer on 127.0.0.1 ($(nproc) cores)"

start_server RATE_LIMIT_CAPACITY=1000000000 RATE_LIMIT_REFILL_PER_SECOND=1000000000
measure "allowed (limit never reached)"
stop_server

start_server RATE_LIMIT_CAPACITY=1 RATE_LIMIT_REFILL_PER_SECOND=0.001
measure "rejected (429 after the first)"
stop_server
