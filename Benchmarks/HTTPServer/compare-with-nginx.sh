#!/usr/bin/env bash
# Compares HelloServer (HTTPEngine, release build) with nginx `return 200` on loopback,
# alternating rounds of `wrk -t1 -c64`, and reports medians, ratios and allocations per request.
#
# Usage: Benchmarks/HTTPServer/compare-with-nginx.sh [rounds=5] [seconds=10]
# Environment: LOOPS (server loops, default 2), NGINX_WORKERS (default 2), CHECK=1 to exit
# non-zero when throughput < 0.8x nginx or p99 > 2x nginx, BASELINE=path of an earlier HelloServer
# build to run as "before" in the same rounds.
set -euo pipefail
rounds="${1:-5}"
seconds="${2:-10}"
loops="${LOOPS:-2}"
workers="${NGINX_WORKERS:-2}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/http-bench.XXXXXX)"
server_port=18181
nginx_port=18182
before_port=18183

need() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
if ! need wrk || ! need nginx || ! need gcc; then
    echo "installing wrk/nginx/gcc..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light gcc >/dev/null \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx gcc >/dev/null
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

echo "building HelloServer (release)..."
swift build -c release --scratch-path "$root/.build-engine-release" --product HelloServer >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 1; }
hello="$root/.build-engine-release/release/HelloServer"
gcc -O2 -shared -fPIC -o "$work/malloc-counter.so" "$root/Benchmarks/HTTPServer/malloc-counter.c"

cat >"$work/nginx.conf" <<CONF
worker_processes $workers;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
    server {
        listen 127.0.0.1:$nginx_port;
        location / { default_type text/plain; return 200 "Hello, world!"; }
    }
}
CONF

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_for_port() {
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    exit 1
}

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

# wrk prints latency as e.g. 812.00us / 1.23ms / 1.02s; normalise to microseconds.
to_micros() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); print v } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v*1000 } else if (v ~ /s$/) { sub(/s$/,"",v); print v*1000000 } }'; }
run_wrk() {
    local output
    output="$(wrk -t1 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$1/")"
    local rps p99
    rps="$(echo "$output" | awk '/Requests\/sec/ { print $2 }')"
    p99="$(echo "$output" | awk '$1 == "99%" { print $2 }' | to_micros)"
    echo "$rps $p99"
}
median() { sort -n | awk '{ a[NR]=$1 } END { if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }

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
    LD_PRELOAD="$work/malloc-counter.so" "$1" "$server_port" "$loops" 2>"$work/hello.err" >"$work/hello.out" & hello_pid=$!
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
echo "  throughput ratio (ours/nginx): $throughput_ratio   (target >= 0.8)"
echo "  p99 latency ratio (ours/nginx): $latency_ratio     (target <= 2.0)"
echo "  heap allocations per request (steady state, malloc+calloc+realloc+memalign): $per_request over $requests requests"
if [ -n "${BASELINE:-}" ]; then
    before_rps="$(awk '{print $1}' "$work/before" | median)"; before_p99="$(awk '{print $2}' "$work/before" | median)"
    echo "  before: $before_rps req/s, p99 ${before_p99}us; throughput ratio (before/nginx) $(awk -v a="$before_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a/b }'), p99 ratio $(awk -v a="$before_p99" -v b="$nginx_p99" 'BEGIN { printf "%.2f", a/b }'); $before_summary"
fi

if [ "${CHECK:-0}" = 1 ]; then
    awk -v t="$throughput_ratio" -v l="$latency_ratio" 'BEGIN { exit !(t >= 0.8 && l <= 2.0) }'
fi
