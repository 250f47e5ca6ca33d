#!/usr/bin/env bash
# Counts the instructions one proxied request costs, with valgrind's callgrind, in three builds
# side by side: the bare reverse proxy (ReverseProxyServer), stage 5 like for like
# (`--headers none`) and stage 5 as shipped (the five rate-limit fields), all in the allowed
# scenario in front of one nginx `return 200` upstream.
#
# Why instructions: on this shared 2-core machine a round's requests per second swing by ±20 %,
# so a change worth 2 % cannot be seen in wall-clock rounds; the instructions a request executes
# move by about 1 % from run to run. They are not time (a cache miss or an atomic costs more
# than an add), so a change is still checked in paired wrk rounds before it is called faster.
#
# Each build runs under callgrind (about 50 times slower), is warmed up with 5 s of
# `wrk -t1 -c64`, its counters are zeroed, and 10 s more of wrk are counted; the total is divided
# by the requests wrk completed in those 10 s. The profiles stay in the printed work directory
# (`callgrind_annotate <name>.out.1` for the functions).
#
# Usage: Benchmarks/RateLimitProxy/count-instructions.sh
# Needs valgrind (apt-get install valgrind) besides wrk, nginx and curl.
set -euo pipefail
source "$(dirname "$0")/../common.sh"
keep_work=1 # the profiles stay in $work
upstream_port=18481
proxy_port=18482
admin_port=18483
require_free_ports "$upstream_port" "$proxy_port" "$admin_port"
install_missing wrk:wrk nginx:nginx-light curl:curl valgrind:valgrind

bare="$(build_release ReverseProxyServer .build-proxy-static static)"
stage5="$(build_shipped V5RateLimitProxy ratelimit)"
# valgrind 3.19 gives up on this binary's DWARF ("possibly corrupted debuginfo"); without it the
# functions are still named, only source lines are lost.
objcopy --strip-debug "$bare" "$work/ReverseProxyServer"

write_hello_nginx_conf "$work/upstream.conf" "$upstream_port" 2
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
"$nginx_bin" -c "$work/upstream.conf" -p "$work" & pids+=($!)
wait_for_port "$upstream_port"

# count NAME COMMAND...: prints NAME's instructions per request.
count() {
    local name="$1" requests instructions
    shift
    valgrind --tool=callgrind --callgrind-out-file="$work/$name.out" "$@" >"$work/$name.log" 2>&1 &
    local valgrind_pid=$!
    # Under callgrind the proxy takes seconds to start.
    for _ in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$proxy_port/" && break; sleep 1; done
    wrk -t1 -c64 -d5s "http://127.0.0.1:$proxy_port/" >/dev/null
    callgrind_control -z "$valgrind_pid" >/dev/null 2>&1
    requests="$(wrk -t1 -c64 -d10s "http://127.0.0.1:$proxy_port/" | awk '/requests in/ { print $1 }')"
    callgrind_control -d "$valgrind_pid" >/dev/null 2>&1
    kill "$valgrind_pid"; wait "$valgrind_pid" 2>/dev/null || true
    instructions="$(awk '/^summary:/ { print $2 }' "$work/$name.out.1")"
    printf '%-22s %8d instructions per request (%d requests counted)\n' "$name" $((instructions / requests)) "$requests"
}

stage5_arguments=(--listen "127.0.0.1:$proxy_port" --admin "127.0.0.1:$admin_port" --upstream "http://127.0.0.1:$upstream_port"
    --access-log off --rps 1000000 --burst 1000000)
count bare-proxy "$work/ReverseProxyServer" "$proxy_port" 2 "127.0.0.1:$upstream_port"
count stage5-like-for-like "$stage5" "${stage5_arguments[@]}" --headers none
count stage5-as-shipped "$stage5" "${stage5_arguments[@]}"
echo "profiles: $work"
