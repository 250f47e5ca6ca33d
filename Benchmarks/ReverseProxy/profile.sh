#!/usr/bin/env bash
# Profiles ReverseProxyServer under `wrk -t1 -c64` against an nginx `return 200` upstream:
# where the CPU time goes (`perf record --call-graph dwarf`), where the heap allocations are
# made (heaptrack, by call site), and the system calls per proxied request (`strace -c`).
# Reports land in the printed work directory: cpu-by-frame.txt (samples by innermost frame in
# the binary), perf.txt (by symbol, where perf can name it), allocations.txt (per request by
# call site), strace.txt (system calls; divide by the request count at its end).
#
# Usage: Benchmarks/ReverseProxy/profile.sh [seconds=10] [proxy binary]
# The binary defaults to a fresh release build (the one compare-with-nginx.sh makes).
# Needs perf (linux-perf), heaptrack and strace: apt-get install -y linux-perf heaptrack strace.
set -euo pipefail
seconds="${1:-10}"
source "$(dirname "$0")/../common.sh"
keep_work=1 # the reports stay in $work
upstream_port=18291
proxy_port=18292
require_free_ports "$upstream_port" "$proxy_port"
loops="${LOOPS:-2}"

proxy="${2:-}"
[ -n "$proxy" ] || proxy="$(build_release ReverseProxyServer .build-proxy-release)"

write_hello_nginx_conf "$work/upstream.conf" "$upstream_port" 2

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
perf report -i "$work/perf.data" --no-children --sort dso,symbol --percent-limit 0.5 --stdio -g none >"$work/perf.txt" 2>/dev/null
perf script -i "$work/perf.data" -F comm,ip,sym,dso 2>/dev/null | python3 "$root/Benchmarks/ReverseProxy/samples-by-frame.py" "$proxy" 40 >"$work/cpu-by-frame.txt"

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
# Warm-up first: heaptrack resolves each new stack once, and the proxy waits on it meanwhile.
wrk -t1 -c64 -d3s "http://127.0.0.1:$proxy_port/" >"$work/wrk-heaptrack-warm-up.txt"
wrk -t1 -c64 -d"${seconds}s" "http://127.0.0.1:$proxy_port/" >"$work/wrk-heaptrack.txt"
# heaptrack counts the whole run, so the warm-up's requests count too.
requests="$(cat "$work/wrk-heaptrack-warm-up.txt" "$work/wrk-heaptrack.txt" | requests_of | awk '{ total += $1 } END { print total }')"
# heaptrack runs the proxy as its child; SIGTERM makes it drain and exit, and heaptrack then writes its file.
kill -TERM "$(pgrep -P "$heaptrack_pid" -f "$(basename "$proxy")" | head -1)" || true
wait "$heaptrack_pid" 2>/dev/null || true
heaptrack_print --print-allocators 0 --print-peaks 0 --print-leaks 0 --print-temporary 0 \
    --flamegraph-cost-type allocations -F "$work/stacks.txt" "$work/heaptrack.zst" >/dev/null 2>&1 || true
python3 "$root/Benchmarks/ReverseProxy/allocations-by-site.py" "$work/stacks.txt" "$requests" 30 >"$work/allocations.txt"

echo "profile in $work:"
echo "  CPU by innermost frame in the binary: $work/cpu-by-frame.txt"
echo "  CPU by symbol (perf report):          $work/perf.txt"
echo "  allocations per request by site:      $work/allocations.txt"
echo "  system calls:                         $work/strace.txt"
