#!/usr/bin/env bash
# Compares HelloServer (HTTPEngine, release build) with nginx `return 200` on loopback,
# alternating rounds of `wrk -t1 -c64`, and reports medians, ratios and allocations per request.
#
# Usage: Benchmarks/HTTPServer/compare-with-nginx.sh [rounds=5] [seconds=10]
# Environment: LOOPS (server loops, default 2), NGINX_WORKERS (default 2), CHECK=1 to exit
# non-zero when throughput < 0.95x nginx, p99 > 1.2x nginx's or allocations > 1.5 per request (the
# targets of the engine's second edition), BASELINE=path of an earlier HelloServer
# build to run as "before" in the same rounds.
set -euo pipefail
rounds="${1:-5}"
seconds="${2:-10}"
loops="${LOOPS:-2}"
workers="${NGINX_WORKERS:-2}"
source "$(dirname "$0")/../common.sh"
server_port=18181
nginx_port=18182
before_port=18183
require_free_ports "$server_port" "$nginx_port" "$before_port"

install_missing wrk:wrk nginx:nginx-light gcc:gcc curl:curl
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

hello="$(build_release HelloServer .build-engine-release)"
malloc_counter="$(build_malloc_counter)"

write_hello_nginx_conf "$work/nginx.conf" "$nginx_port" "$workers"

"$nginx_bin" -c "$work/nginx.conf" -p "$work" & pids+=($!)
# Timed rounds run without the malloc shim: its shared counters would slow both loops.
"$hello" "$server_port" "$loops" >"$work/hello.out" 2>&1 & hello_pid=$!
pids+=($hello_pid)
wait_for_port "$nginx_port"
wait_for_port "$server_port"
if [ -n "${BASELINE:-}" ]; then
    "$BASELINE" "$before_port" "$loops" >"$work/before.out" 2>&1 & before_pid=$!
    pids+=($before_pid)
    wait_for_port "$before_port"
fi

run_wrk() {
    local output
    output="$(wrk -t1 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$1/")"
    local rps p99
    rps="$(echo "$output" | awk '/Requests\/sec/ { print $2 }')"
    p99="$(echo "$output" | awk '$1 == "99%" { print $2 }' | to_micros)"
    echo "$rps $p99"
}

echo "warming up..."
wrk -t1 -c64 -d2s "http://127.0.0.1:$server_port/" >/dev/null
wrk -t1 -c64 -d2s "http://127.0.0.1:$nginx_port/" >/dev/null

: >"$work/ours" ; : >"$work/nginx" ; : >"$work/before"
for round in $(seq 1 "$rounds"); do
    line="round $round:"
    if [ -n "${BASELINE:-}" ]; then
        earlier="$(run_wrk $before_port)"; echo "$earlier" >>"$work/before"
        line="$line before ${earlier% *} req/s p99 ${earlier#* }us |"
    fi
    ours="$(run_wrk $server_port)"; echo "$ours" >>"$work/ours"
    theirs="$(run_wrk $nginx_port)"; echo "$theirs" >>"$work/nginx"
    echo "$line HTTPEngine ${ours% *} req/s p99 ${ours#* }us | nginx ${theirs% *} req/s p99 ${theirs#* }us"
done

our_rps="$(awk '{print $1}' "$work/ours" | median)"; our_p99="$(awk '{print $2}' "$work/ours" | median)"
nginx_rps="$(awk '{print $1}' "$work/nginx" | median)"; nginx_p99="$(awk '{print $2}' "$work/nginx" | median)"
throughput_ratio="$(awk -v a="$our_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a/b }')"
latency_ratio="$(awk -v a="$our_p99" -v b="$nginx_p99" 'BEGIN { printf "%.2f", a/b }')"

# Allocations per request: a second instance under the shim; counter snapshot, load, snapshot.
snapshot() { kill -USR2 "$hello_pid"; sleep 0.2; grep 'malloc-counter' "$work/hello.err" | tail -1 | sed 's/.*allocations=\([0-9]*\).*/\1/'; }
allocations_per_request() { # binary; stops the running $hello_pid first, sets $per_request and $requests
    kill "$hello_pid"; wait "$hello_pid" 2>/dev/null || true
    LD_PRELOAD="$malloc_counter" "$1" "$server_port" "$loops" 2>"$work/hello.err" >"$work/hello.out" & hello_pid=$!
    pids+=($hello_pid)
    wait_for_port "$server_port"
    wrk -t1 -c64 -d2s "http://127.0.0.1:$server_port/" >/dev/null
    local before after
    before="$(snapshot)"
    requests="$(wrk -t1 -c64 -d5s "http://127.0.0.1:$server_port/" | awk '/requests in/ { print $1 }')"
    after="$(snapshot)"
    per_request="$(awk -v a="$before" -v b="$after" -v r="$requests" 'BEGIN { printf "%.2f", (b-a)/r }')"
}
if [ -n "${BASELINE:-}" ]; then
    allocations_per_request "$BASELINE"
    before_summary="$per_request allocations per request over $requests requests"
fi
allocations_per_request "$hello"

echo
echo "median of $rounds rounds, wrk -t1 -c64 -d${seconds}s, HTTPEngine $loops loops vs nginx $workers workers:"
echo "  HTTPEngine: $our_rps req/s, p99 ${our_p99}us"
echo "  nginx:      $nginx_rps req/s, p99 ${nginx_p99}us"
echo "  throughput ratio (ours/nginx): $throughput_ratio   (target >= 0.95)"
echo "  p99 latency ratio (ours/nginx): $latency_ratio     (target <= 1.2)"
echo "  heap allocations per request (steady state, malloc+calloc+realloc+memalign): $per_request over $requests requests (target <= 1.5)"
if [ -n "${BASELINE:-}" ]; then
    before_rps="$(awk '{print $1}' "$work/before" | median)"; before_p99="$(awk '{print $2}' "$work/before" | median)"
    echo "  before: $before_rps req/s, p99 ${before_p99}us; throughput ratio (before/nginx) $(awk -v a="$before_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a/b }'), p99 ratio $(awk -v a="$before_p99" -v b="$nginx_p99" 'BEGIN { printf "%.2f", a/b }'); $before_summary"
fi

if [ "${CHECK:-0}" = 1 ]; then
    awk -v t="$throughput_ratio" -v l="$latency_ratio" -v a="$per_request" 'BEGIN { exit !(t >= 0.95 && l <= 1.2 && a <= 1.5) }'
fi
