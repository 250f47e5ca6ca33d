#!/usr/bin/env bash
# Rate-limit fields check: starts V3DemoServer on free loopback ports in a few configurations,
# drives each with Python until it refuses (429, or 503 for a full key table) and parses every
# response with the independent http-sfv package (ratelimit-fields.py). Needs a Python with
# http_sfv: PYTHON=/path/to/venv/bin/python; exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${PYTHON:-python3}"

"$python" -c "import http_sfv" 2>/dev/null || {
    echo "ratelimit-fields: $python cannot import http_sfv; install it in a venv:"
    echo "  python3 -m venv /tmp/sfv && /tmp/sfv/bin/pip install http-sfv && PYTHON=/tmp/sfv/bin/python $0"
    exit 1
}

# As in run.sh: its own build folder by default, SCRATCH_PATH=.build in CI to reuse the build.
scratch="${SCRATCH_PATH:-$root/.build-ratelimit-fields}"
swift build --scratch-path "$scratch" --product V3DemoServer >/tmp/ratelimit-fields-build.log 2>&1 \
    || { cat /tmp/ratelimit-fields-build.log; exit 1; }

server_pid=""
output="$(mktemp)"
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap 'stop_server; rm -f "$output"' EXIT

# check NAME MODE VAR=VALUE...: one server with those settings, one checker run against it.
status=0
check() {
    local name="$1" mode="$2"; shift 2
    : >"$output"
    env LISTEN_ADDR=127.0.0.1:0 "$@" "$scratch/debug/V3DemoServer" >"$output" 2>&1 &
    server_pid=$!
    local port=""
    for _ in $(seq 1 100); do
        port="$(sed -n 's|^V3DemoServer listening on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$output")"
        [ -n "$port" ] && break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        echo "FAIL  $name: V3DemoServer did not start:"; cat "$output"; status=1
    else
        echo "--- $name"
        "$python" "$root/Tests/Conformance/ratelimit-fields.py" "$port" "$mode" || status=1
    fi
    stop_server
}

# A slow refill keeps the bucket from refilling between requests, so a 429 always comes.
check "both styles, problem body" quota RATE_LIMIT_CAPACITY=3 RATE_LIMIT_REFILL_PER_SECOND=0.2 RATE_LIMIT_BODY=problem
check "IETF fields only, JSON body" quota RATE_LIMIT_CAPACITY=2 RATE_LIMIT_REFILL_PER_SECOND=0.3 RATE_LIMIT_HEADERS=ietf
check "full key table" capacity RATE_LIMIT_CAPACITY=1 RATE_LIMIT_REFILL_PER_SECOND=0.01 RATE_LIMIT_MAX_KEYS=4 \
    TRUSTED_PROXIES=127.0.0.1/32 RATE_LIMIT_BODY=problem
exit "$status"
