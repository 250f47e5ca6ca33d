#!/usr/bin/env bash
# Profiles ReverseProxyServer under `wrk -t1 -c64` against an nginx `return 200` upstream:
# where the CPU time goes (`perf record --call-graph dwarf`), where the heap allocations are
# made (heaptrack, by call site), and the system calls per proxied request (`strace -c`).
# Reports land in the printed work directory (perf.txt, heaptrack.txt, strace.txt).
#
# Usage: Benchmarks/ReverseProxy/profile.sh [seconds=10] [proxy binary]
# The binary defaults to a fresh release build (the one compare-with-nginx.sh makes).
# Needs perf (linux-perf), heaptrack and strace: apt-get install -y linux-perf heaptrack strace.
set -euo pipefail
seconds="${1:-10}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/proxy-profile.XXXXXX)"
upstream_port=18291
proxy_port=18292
loops="${LOOPS:-2}"

proxy="${2:-}"
if [ -z "$proxy" ]; then
    swift build -c release --scratch-path "$root/.build-proxy-release" --product ReverseProxyServer >"$work/build.log" 2>&1 \
        || { cat "$work/build.log"; exit 1; }
    proxy="$root/.build-proxy-release/release/ReverseProxyServer"
fi

cat >"$work/upstream.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/upstream.pid;
error_log $work/upstream-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
    server {
        listen 127.0.0.1:$upstream_port;
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
requests_of() { awk '/requests in/ { print $1 }'; }

nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
"$nginx_bin" -c "$work/upstream.conf" -p "$work" & pids+=($!)
wait_for_port "$upstream_port"

# CPU: sampled call stacks of the whole proxy process while wrk runs.
"$proxy" "$proxy_port" "$loops" "127.0.0.1:$upstream_port" >"$work/proxy.out" 2>&1 & proxy_pid=$!
pids+=($proxy_pid)
wait_for_port "$proxy_port"
wrk -t1 -c64 -d2s "http://127.0.0.1:$proxy_port/" >/dev/null
perf record -F 999 --call-graph dwarf,16384 -p "$proxy_pid" -o "$work/perf.data" -- sleep "$seconds" >"$work/perf-record.log" 2>&1 &
perf_pid=$!
wrk -t1 -c64 -d"${seconds}s" "http://127.0.0.1:$proxy_port/" >"$work/wrk-perf.txt"
wait "$perf_pid" || true
perf report -i "$work/perf.data" --no-children --sort symbol --percent-limit 0.7 --stdio -g none >"$work/perf.txt" 2>/dev/null
perf report -i "$work/perf.data" --children --sort symbol --percent-limit 3 --stdio -g none >"$work/perf-children.txt" 2>/dev/null

# System calls per request: strace slows the proxy, but counts per request stay the same.
strace -c -f -p "$proxy_pid" -o "$work/strace.txt" & strace_pid=$!
sleep 1
requests="$(wrk -t1 -c64 -d5s "http://127.0.0.1:$proxy_port/" | requests_of)"
kill -INT "$strace_pid"; wait "$strace_pid" 2>/dev/null || true
echo "$requests requests" >>"$work/strace.txt"
kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true

# Allocations by call site: heaptrack records every malloc with its stack.
heaptrack -o "$work/heaptrack" "$proxy" "$proxy_port" "$loops" "127.0.0.1:$upstream_port" >"$work/heaptrack.out" 2>&1 & heaptrack_pid=$!
pids+=($heaptrack_pid)
wait_for_port "$proxy_port"
requests="$(wrk -t1 -c64 -d"${seconds}s" "http://127.0.0.1:$proxy_port/" | requests_of)"
# heaptrack runs the proxy as its child; SIGTERM makes it drain and exit, and heaptrack then writes its file.
kill -TERM "$(pgrep -P "$heaptrack_pid" -f "$(basename "$proxy")" | head -1)" || true
wait "$heaptrack_pid" 2>/dev/null || true
heaptrack_print --print-allocators 1 --print-peaks 0 --print-leaks 0 --print-temporary 0 -n 40 -s 8 \
    "$work"/heaptrack.*.zst >"$work/heaptrack.txt" 2>/dev/null || true
echo "$requests requests under heaptrack" >>"$work/heaptrack.txt"

echo "profile in $work:"
echo "  CPU (self):      $work/perf.txt"
echo "  CPU (children):  $work/perf-children.txt"
echo "  allocations:     $work/heaptrack.txt ($requests requests)"
echo "  system calls:    $work/strace.txt"
