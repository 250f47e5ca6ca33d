#!/usr/bin/env bash
# Compares ReverseProxyServer (ReverseProxy on HTTPEngine, release build) with nginx as a reverse
# proxy (upstream keepalive) and, when installed, HAProxy, all forwarding to one nginx `return 200`
# upstream on loopback. Alternating rounds of `wrk -t1 -c64`; medians, ratios, the ratio to
# hitting the upstream directly, heap allocations per proxied request, and CPU time (user and
# system) each contestant's own processes spent per request.
#
# Usage: Benchmarks/ReverseProxy/compare-with-nginx.sh [rounds=5] [seconds=10]
# Environment: LOOPS (proxy loops = nginx proxy workers = HAProxy nbthread, default 2),
# CHECK=1 to exit non-zero when throughput < 1.0x nginx or p99 > nginx's, BASELINE=path of an
# earlier ReverseProxyServer build to run as contestant "before" in the same rounds, STATIC=0 to
# build ours with the Swift runtime linked dynamically (default: `--static-swift-stdlib`, as the
# Dockerfile builds the stage 5 proxy; measured side by side, the dynamic build spends ~0.5 µs
# more user time per request, part of it in calls through the PLT into libswiftCore.so).
set -euo pipefail
rounds="${1:-5}"
seconds="${2:-10}"
loops="${LOOPS:-2}"
source "$(dirname "$0")/../common.sh"
upstream_port=18281
ours_port=18282
nginx_port=18283
haproxy_port=18284
before_port=18285
require_free_ports "$upstream_port" "$ours_port" "$nginx_port" "$haproxy_port" "$before_port"

install_missing wrk:wrk nginx:nginx-light gcc:gcc curl:curl
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
haproxy_bin="$(command -v haproxy || { [ -x /usr/sbin/haproxy ] && echo /usr/sbin/haproxy; } || true)"

proxy="$(build_shipped ReverseProxyServer proxy)"
malloc_counter="$(build_malloc_counter)"

# The upstream gets its own workers so it is not the bottleneck of any contestant.
write_hello_nginx_conf "$work/upstream.conf" "$upstream_port" 2

{
    nginx_conf_start "$loops" "$work/nginx-proxy"
    cat <<CONF
    upstream backend { server 127.0.0.1:$upstream_port; keepalive 64; keepalive_requests 100000000; }
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
$(nginx_proxy_pass backend)
        }
    }
}
CONF
} >"$work/nginx-proxy.conf"

{
    haproxy_conf_start "$loops"
    cat <<CONF
frontend bench
    bind 127.0.0.1:$haproxy_port
    default_backend upstream
CONF
    haproxy_upstream_backend "$upstream_port"
} >"$work/haproxy.cfg"

"$nginx_bin" -c "$work/upstream.conf" -p "$work" & upstream_pid=$!
pids+=($upstream_pid)
"$nginx_bin" -c "$work/nginx-proxy.conf" -p "$work" & nginx_pid=$!
pids+=($nginx_pid)
"$proxy" "$ours_port" "$loops" "127.0.0.1:$upstream_port" >"$work/proxy.out" 2>&1 & proxy_pid=$!
pids+=($proxy_pid)
contestants="ours nginx"
if [ -n "${BASELINE:-}" ]; then
    "$BASELINE" "$before_port" "$loops" "127.0.0.1:$upstream_port" >"$work/before.out" 2>&1 & before_pid=$!
    pids+=($before_pid)
    contestants="before $contestants"
fi
if [ -n "$haproxy_bin" ]; then
    "$haproxy_bin" -f "$work/haproxy.cfg" -db >"$work/haproxy.out" 2>&1 & haproxy_pid=$!
    pids+=($haproxy_pid)
    contestants="$contestants haproxy"
else
    echo "haproxy not installed: comparing with nginx only"
fi
wait_for_port "$upstream_port"; wait_for_port "$ours_port"; wait_for_port "$nginx_port"
[ -n "$haproxy_bin" ] && wait_for_port "$haproxy_port"
[ -n "${BASELINE:-}" ] && wait_for_port "$before_port"

port_of() { case "$1" in ours) echo $ours_port ;; before) echo $before_port ;; nginx) echo $nginx_port ;; haproxy) echo $haproxy_port ;; direct) echo $upstream_port ;; esac; }
pids_of() { case "$1" in ours) echo $proxy_pid ;; before) echo $before_pid ;; nginx) serving_pids $nginx_pid ;; haproxy) echo $haproxy_pid ;; direct) serving_pids $upstream_pid ;; esac; }
# One wrk run against contestant $1: "requests/s p99-us user-us system-us" (CPU per request).
run_wrk() {
    local output rps p99 requests before after serving
    serving="$(pids_of "$1")"
    before="$(cpu_ticks $serving)"
    output="$(wrk -t1 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$(port_of "$1")/")"
    after="$(cpu_ticks $serving)"
    rps="$(echo "$output" | awk '/Requests\/sec/ { print $2 }')"
    p99="$(echo "$output" | awk '$1 == "99%" { print $2 }' | to_micros)"
    requests="$(echo "$output" | awk '/requests in/ { print $1 }')"
    echo "$rps $p99 $(cpu_per_request "$before" "$after" "$requests")"
}

echo "warming up..."
for name in $contestants direct; do wrk -t1 -c64 -d2s "http://127.0.0.1:$(port_of "$name")/" >/dev/null; : >"$work/$name"; done

for round in $(seq 1 "$rounds"); do
    line="round $round:"
    for name in $contestants direct; do
        read -r r p u s < <(run_wrk "$name"); echo "$r $p $u $s" >>"$work/$name"
        line="$line $name $r req/s p99 ${p}us cpu ${u}+${s}us |"
    done
    echo "$line"
done

rps() { awk '{print $1}' "$work/$1" | median; }
p99() { awk '{print $2}' "$work/$1" | median; }
user_cpu() { awk '{print $3}' "$work/$1" | median; }
system_cpu() { awk '{print $4}' "$work/$1" | median; }
total_cpu() { awk '{print $3 + $4}' "$work/$1" | median; }

# Allocations per proxied request: a second instance of each build under the shim.
allocations_per_request() { # binary; stops the running $proxy_pid first, sets $per_request
    kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true
    LD_PRELOAD="$malloc_counter" "$1" "$ours_port" "$loops" "127.0.0.1:$upstream_port" 2>"$work/proxy.err" >"$work/proxy.out" & proxy_pid=$!
    pids+=($proxy_pid)
    wait_for_port "$ours_port"
    wrk -t1 -c64 -d2s "http://127.0.0.1:$ours_port/" >/dev/null
    local before after requests
    before="$(snapshot)"
    requests="$(wrk -t1 -c64 -d5s "http://127.0.0.1:$ours_port/" | awk '/requests in/ { print $1 }')"
    after="$(snapshot)"
    per_request="$(awk -v a="$before" -v b="$after" -v r="$requests" 'BEGIN { printf "%.2f over %d requests", (b-a)/r, r }')"
}
snapshot() { kill -USR2 "$proxy_pid"; sleep 0.2; grep 'malloc-counter' "$work/proxy.err" | tail -1 | sed 's/.*allocations=\([0-9]*\).*/\1/'; }
before_per_request=""
if [ -n "${BASELINE:-}" ]; then
    allocations_per_request "$BASELINE"
    before_per_request="$per_request"
fi
allocations_per_request "$proxy"

echo
echo "median of $rounds rounds, wrk -t1 -c64 -d${seconds}s, $loops loops/workers/threads, upstream nginx return 200:"
for name in $contestants direct; do echo "  $name: $(rps "$name") req/s, p99 $(p99 "$name")us, CPU per request $(user_cpu "$name") us user + $(system_cpu "$name") us system"; done
throughput_ratio="$(ratio "$(rps ours)" "$(rps nginx)")"
latency_ratio="$(ratio "$(p99 ours)" "$(p99 nginx)")"
echo "  throughput ratio (ours/nginx): $throughput_ratio   (target >= 1.0)"
echo "  p99 latency ratio (ours/nginx): $latency_ratio     (target <= 1.0)"
echo "  per round, ours/nginx: throughput $(round_ratios "$work/ours" "$work/nginx" 1); p99 $(round_ratios "$work/ours" "$work/nginx" 2)"
[ -n "$haproxy_bin" ] && echo "  throughput ratio (ours/haproxy): $(ratio "$(rps ours)" "$(rps haproxy)")"
echo "  throughput ratio (ours/direct upstream): $(ratio "$(rps ours)" "$(rps direct)")"
echo "  heap allocations per proxied request (steady state): $per_request"
echo "  CPU per request, ours/nginx: user $(ratio "$(user_cpu ours)" "$(user_cpu nginx)"), system $(ratio "$(system_cpu ours)" "$(system_cpu nginx)"), total $(ratio "$(total_cpu ours)" "$(total_cpu nginx)")   (the proxies' own processes; wrk and the upstream share the cores)"
if [ -n "${BASELINE:-}" ]; then
    echo "  before: throughput ratio (before/nginx): $(ratio "$(rps before)" "$(rps nginx)"), p99 ratio: $(ratio "$(p99 before)" "$(p99 nginx)"), allocations per request: $before_per_request"
fi

if [ "${CHECK:-0}" = 1 ]; then
    awk -v t="$throughput_ratio" -v l="$latency_ratio" 'BEGIN { exit !(t >= 1.0 && l <= 1.0) }'
fi
