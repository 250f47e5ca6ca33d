#!/usr/bin/env bash
# Conformance check: every response HTTPEngine produces must be accepted by the strict
# h11 parser. Installs h11 if missing, builds and starts HelloServer on an ephemeral
# port, runs h11_conformance.py against it, and exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${PYTHON:-python3}"

if ! "$python" -c "import h11" 2>/dev/null; then
    echo "installing h11..."
    "$python" -m pip install --quiet h11
fi

# Its own build folder by default, so it never waits on a developer's build lock; CI passes
# SCRATCH_PATH=.build to reuse the build it has just made instead of compiling the engine again.
scratch="${SCRATCH_PATH:-$root/.build-engine-conformance}"
swift build --scratch-path "$scratch" --product HelloServer >/tmp/conformance-build.log 2>&1 \
    || { cat /tmp/conformance-build.log; exit 1; }
output="$(mktemp)"
"$scratch/debug/HelloServer" 0 2 >"$output" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -f "$output"' EXIT

port=""
for _ in $(seq 1 100); do
    port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$output")"
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "HelloServer did not start:"; cat "$output"; exit 1; }

status=0
"$python" "$root/Tests/Conformance/h11_conformance.py" "$port" || status=1

# curl as a second real client: GET, HEAD, POST with a body, and a chunked upload.
if command -v curl >/dev/null; then
    url="http://127.0.0.1:$port"
    check_curl() {
        local name="$1" expected="$2"; shift 2
        local actual
        actual="$(curl -sS --max-time 10 "$@")" || { echo "FAIL  curl $name: curl failed"; status=1; return; }
        if [ "$actual" = "$expected" ]; then echo "ok    curl $name"; else echo "FAIL  curl $name: got '$actual'"; status=1; fi
    }
    check_curl get "Hello, world!" "$url/"
    check_curl head "200" -o /dev/null -w '%{http_code}' -I "$url/"
    check_curl post "posted" --data-binary posted "$url/echo"
    check_curl chunked-upload "chunky" -H 'Transfer-Encoding: chunked' --data-binary chunky "$url/echo"
    check_curl keep-alive "Hello, world!Hello, world!" "$url/" "$url/"
fi
exit "$status"
