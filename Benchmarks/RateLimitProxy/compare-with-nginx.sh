#!/usr/bin/env bash
# Compares the stage 5 rate-limiting proxy (V5RateLimitProxy, release build; in-memory store and
# Redis store) with nginx as a rate-limiting reverse proxy (`limit_req`, upstream keepalive) and,
# when installed, HAProxy (a stick table tracking a request rate), all forwarding to one nginx
# `return 200` upstream on loopback. Three scenarios:
#   allowed   every request admitted (one client address, a limit far above the load);
#   rejected  almost every request refused with 429 (one client address, 1 per second, burst 5);
#   keys      100,000 distinct API keys in turn (`X-API-Key`), each far below its limit.
# Per scenario, alternating rounds of `wrk -t1 -c64`; medians of requests/s and p99, the share of
# non-2xx answers (which must be ~0 for allowed/keys and ~1 for rejected), CPU time (user and
# system) the contestant's own processes spent per request, and the ratios to nginx.
#
# Our proxy runs twice per round: as shipped (`ours`: the five rate-limit fields, legacy and IETF,
# on every response) and like for like (`ours-nofields`: `--headers none`, so its responses carry
# the fields nginx's do; nginx's `limit_req` sends no rate-limit fields at all). The fields nearly
# double a small response (~165 bytes on ~185), which every contestant's client must also read.
#
# Usage: Benchmarks/RateLimitProxy/compare-with-nginx.sh [rounds=3] [seconds=10]
# Environment: LOOPS (nginx workers = HAProxy nbthread; our proxy uses one loop per core, default 2),
# SCENARIOS (default "allowed rejected keys"), REDIS=0 to leave the Redis store out, FIELDS=1 to
# run only the as-shipped configuration of ours (no `ours-nofields`), STATIC=0 to build ours with
# the Swift runtime linked dynamically (default: `--static-swift-stdlib`, as the Dockerfile builds
# the binary it ships).
set -euo pipefail
rounds="${1:-3}"
seconds="${2:-10}"
loops="${LOOPS:-2}"
scenarios="${SCENARIOS:-allowed rejected keys}"
upstream_port=18381
ours_port=18382
ours_admin_port=18383
redis_port=18384
nginx_base=18390   # + 0 allowed, + 1 rejected, + 2 keys
haproxy_base=18395
key_count=100000
source "$(dirname "$0")/../common.sh"
require_free_ports "$upstream_port" "$ours_port" "$ours_admin_port" "$redis_port" $(seq "$nginx_base" $((nginx_base + 2))) $(seq "$haproxy_base" $((haproxy_base + 2)))

install_missing wrk:wrk nginx:nginx-light redis-server:redis-server redis-cli:redis-tools curl:curl
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
haproxy_bin="$(command -v haproxy || { [ -x /usr/sbin/haproxy ] && echo /usr/sbin/haproxy; } || true)"
with_redis="${REDIS:-1}"
like_for_like="$([ "${FIELDS:-0}" = 1 ] && echo 0 || echo 1)"
command -v redis-server >/dev/null 2>&1 || with_redis=0

proxy="$(build_shipped V5RateLimitProxy ratelimit)"

# The upstream gets its own workers so it is not the bottleneck of any contestant.
write_hello_nginx_conf "$work/upstream.conf" "$upstream_port" 2

# nginx: one server per scenario. `nodelay` answers at once instead of queueing, as our proxy does.
nginx_location() {
    cat <<CONF
        location / {
            limit_req zone=$1 burst=$2 nodelay;
$(nginx_proxy_pass backend)
        }
CONF
}
{
    nginx_conf_start "$loops" "$work/nginx-proxy"
    cat <<CONF
    upstream backend { server 127.0.0.1:$upstream_port; keepalive 64; keepalive_requests 100000000; }
    limit_req_status 429;
    limit_req_zone \$binary_remote_addr zone=allowed:10m rate=1000000r/s;
    limit_req_zone \$binary_remote_addr zone=rejected:10m rate=1r/s;
    limit_req_zone \$http_x_api_key zone=keys:64m rate=1000000r/s;
    server { listen 127.0.0.1:$((nginx_base + 0));
$(nginx_location allowed 1000000)
    }
    server { listen 127.0.0.1:$((nginx_base + 1));
$(nginx_location rejected 5)
    }
    server { listen 127.0.0.1:$((nginx_base + 2));
$(nginx_location keys 1000000)
    }
}
CONF
} >"$work/nginx-proxy.conf"

# HAProxy: a stick table per scenario counting each key's requests over the last second.
# haproxy_frontend NAME PORT TABLE-TYPE TRACKED-SAMPLE THRESHOLD
haproxy_frontend() {
    cat <<CONF
frontend $1
    bind 127.0.0.1:$2
    stick-table type $3 expire 60s store http_req_rate(1s)
    http-request track-sc0 $4
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt $5 }
    default_backend upstream
CONF
}
{
    haproxy_conf_start "$loops"
    haproxy_frontend allowed $((haproxy_base + 0)) "ip size 100k" src 1000000
    haproxy_frontend rejected $((haproxy_base + 1)) "ip size 100k" src 5
    haproxy_frontend keys $((haproxy_base + 2)) "string len 32 size 200k" "req.hdr(x-api-key)" 1000000
    haproxy_upstream_backend "$upstream_port"
} >"$work/haproxy.cfg"

# Our proxy's 100,000 keys: a tier far above the load, every key a member of it.
python3 - "$work/keys.json" "$key_count" <<'PY'
import json, sys
path, count = sys.argv[1], int(sys.argv[2])
config = {
    "apiKeyHeader": "X-API-Key",
    "tiers": {"bench": {"limits": [{"rps": 1000000, "burst": 1000000}]}},
    "apiKeys": {f"bench-key-{n}": "bench" for n in range(1, count + 1)},
    "store": {"maxKeys": 2 * count},
}
json.dump(config, open(path, "w"))
PY

# wrk: the keys scenario sends every key in turn.
cat >"$work/keys.lua" <<LUA
counter = 0
request = function()
    counter = counter % $key_count + 1
    return wrk.format("GET", "/", { ["X-API-Key"] = "bench-key-" .. counter })
end
LUA

"$nginx_bin" -c "$work/upstream.conf" -p "$work" & pids+=($!)
"$nginx_bin" -c "$work/nginx-proxy.conf" -p "$work" & nginx_pid=$!
pids+=($nginx_pid)
contestants="ours nginx"
[ "$like_for_like" = 1 ] && contestants="ours ours-nofields nginx"
if [ -n "$haproxy_bin" ]; then
    "$haproxy_bin" -f "$work/haproxy.cfg" -db >"$work/haproxy.out" 2>&1 & haproxy_pid=$!
    pids+=($haproxy_pid)
    contestants="$contestants haproxy"
else
    echo "haproxy not installed: comparing with nginx only"
fi
if [ "$with_redis" = 1 ]; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.out" 2>&1 & pids+=($!)
    contestants="$contestants ours-redis"
fi
wait_for_port "$upstream_port"

# Starts our proxy for scenario $1 with store $2 (memory|redis), rate-limit fields on unless $3 is
# `nofields`; its pid goes to `ours_pid`.
start_ours() {
    # Also catches the previous round's proxy if it has not exited.
    require_free_ports "$ours_port"
    local arguments=(--listen "127.0.0.1:$ours_port" --admin "127.0.0.1:$ours_admin_port"
        --upstream "http://127.0.0.1:$upstream_port" --access-log off --shutdown-timeout 1s)
    case "$1" in
        allowed) arguments+=(--rps 1000000 --burst 1000000) ;;
        rejected) arguments+=(--rps 1 --burst 5) ;;
        keys) arguments+=(--config "$work/keys.json") ;;
    esac
    # A long store time-out: this measures the store, not the failure policy's fallback.
    [ "$2" = redis ] && arguments+=(--redis "redis://127.0.0.1:$redis_port/0" --store-timeout 1s)
    [ "${3:-}" = nofields ] && arguments+=(--headers none)
    "$proxy" "${arguments[@]}" >"$work/ours-$1-$2.out" 2>&1 &
    ours_pid=$!
    pids+=($ours_pid)
    wait_for_port "$ours_port"
}

port_of() {
    local offset
    case "$2" in allowed) offset=0 ;; rejected) offset=1 ;; keys) offset=2 ;; esac
    case "$1" in
        ours|ours-nofields|ours-redis) echo $ours_port ;;
        nginx) echo $((nginx_base + offset)) ;;
        haproxy) echo $((haproxy_base + offset)) ;;
    esac
}
# One wrk run against port $1 for scenario $2: "requests/s p99-us non-2xx-share requests".
run_wrk() {
    local output rps p99 total non2xx script=()
    [ "$2" = keys ] && script=(-s "$work/keys.lua")
    output="$(wrk -t1 -c64 -d"${3:-$seconds}s" --latency "${script[@]}" "http://127.0.0.1:$1/")"
    rps="$(echo "$output" | awk '/Requests\/sec/ { print $2 }')"
    p99="$(echo "$output" | awk '$1 == "99%" { print $2 }' | to_micros)"
    total="$(echo "$output" | awk '/requests in/ { print $1 }')"
    non2xx="$(echo "$output" | awk '/Non-2xx or 3xx responses/ { print $5 }')"
    awk -v r="$rps" -v p="$p99" -v t="$total" -v n="${non2xx:-0}" 'BEGIN { printf "%s %s %.3f %d\n", r, p, n / t, t }'
}
# Runs one round of contestant $1 in scenario $2 and appends its result to its file. Our proxy
# is started fresh for it (its variants share a port) and then warmed up for 2 s, as nginx and
# HAProxy were once before the first round and stay warm after it: every contestant is measured
# in its steady state, upstream connections open and, across 100,000 keys, most keys' state
# already in the table (nginx's zone keeps its keys from round to round).
round_of() {
    ours_pid=""
    case "$1" in
        ours) start_ours "$2" memory ;;
        ours-nofields) start_ours "$2" memory nofields ;;
        ours-redis) redis-cli -p "$redis_port" flushall >/dev/null; start_ours "$2" redis ;;
    esac
    [ -n "$ours_pid" ] && run_wrk "$ours_port" "$2" 2 >/dev/null
    local serving before after r p n t
    case "$1" in ours|ours-nofields|ours-redis) serving=$ours_pid ;; nginx) serving="$(serving_pids $nginx_pid)" ;; haproxy) serving=$haproxy_pid ;; esac
    before="$(cpu_ticks $serving)"
    read -r r p n t < <(run_wrk "$(port_of "$1" "$2")" "$2")
    after="$(cpu_ticks $serving)"
    echo "$r $p $n $(cpu_per_request "$before" "$after" "$t")" >>"$work/$2-$1"
    if [ -n "$ours_pid" ]; then kill "$ours_pid"; wait "$ours_pid" 2>/dev/null || true; fi
}

for port in $(seq "$nginx_base" $((nginx_base + 2))); do wait_for_port "$port"; done
[ -n "$haproxy_bin" ] && for port in $(seq "$haproxy_base" $((haproxy_base + 2))); do wait_for_port "$port"; done
echo "warming up..."
for scenario in $scenarios; do
    for name in nginx ${haproxy_bin:+haproxy}; do run_wrk "$(port_of "$name" "$scenario")" "$scenario" 2 >/dev/null; done
done

for scenario in $scenarios; do
    for name in $contestants; do : >"$work/$scenario-$name"; done
    for round in $(seq 1 "$rounds"); do
        line="$scenario round $round:"
        for name in $contestants; do
            round_of "$name" "$scenario"
            read -r r p n u s < <(tail -1 "$work/$scenario-$name")
            line="$line $name $r req/s p99 ${p}us non-2xx $n cpu ${u}+${s}us |"
        done
        echo "$line"
    done
done

column() { awk -v c="$2" '{ print $c }' "$work/$1" | median; }
total_cpu() { awk '{ print $4 + $5 }' "$work/$1" | median; }
echo
echo "medians of $rounds rounds, wrk -t1 -c64 -d${seconds}s, nginx workers = HAProxy threads = $loops, our loops = cores ($(nproc)), upstream nginx return 200:"
for scenario in $scenarios; do
    echo "  $scenario:"
    for name in $contestants; do
        echo "    $name: $(column "$scenario-$name" 1) req/s, p99 $(column "$scenario-$name" 2)us, non-2xx share $(column "$scenario-$name" 3), CPU per request $(column "$scenario-$name" 4) us user + $(column "$scenario-$name" 5) us system"
    done
    echo "    throughput ratio ours/nginx: $(ratio "$(column "$scenario-ours" 1)" "$(column "$scenario-nginx" 1)") (target >= 1.0); p99 ratio: $(ratio "$(column "$scenario-ours" 2)" "$(column "$scenario-nginx" 2)") (target <= 1.0)"
    echo "    per round, ours/nginx: throughput $(round_ratios "$work/$scenario-ours" "$work/$scenario-nginx" 1); p99 $(round_ratios "$work/$scenario-ours" "$work/$scenario-nginx" 2)"
    if [ "$like_for_like" = 1 ]; then
        echo "    like for like (ours-nofields: no rate-limit fields, as nginx): throughput ratio $(ratio "$(column "$scenario-ours-nofields" 1)" "$(column "$scenario-nginx" 1)"), p99 ratio $(ratio "$(column "$scenario-ours-nofields" 2)" "$(column "$scenario-nginx" 2)")"
        echo "    per round, ours-nofields/nginx: throughput $(round_ratios "$work/$scenario-ours-nofields" "$work/$scenario-nginx" 1); p99 $(round_ratios "$work/$scenario-ours-nofields" "$work/$scenario-nginx" 2)"
        echo "    cost of the rate-limit fields, ours/ours-nofields: throughput $(round_ratios "$work/$scenario-ours" "$work/$scenario-ours-nofields" 1)"
    fi
    echo "    CPU per request ours/nginx: user $(ratio "$(column "$scenario-ours" 4)" "$(column "$scenario-nginx" 4)"), system $(ratio "$(column "$scenario-ours" 5)" "$(column "$scenario-nginx" 5)"), total $(ratio "$(total_cpu "$scenario-ours")" "$(total_cpu "$scenario-nginx")") (the proxies' own processes)"
    if [ -n "$haproxy_bin" ]; then echo "    throughput ratio ours/haproxy: $(ratio "$(column "$scenario-ours" 1)" "$(column "$scenario-haproxy" 1)")"; fi
    # An `if`, not `&&`: a false last test would be the script's exit status (REDIS=0 exited 1).
    if [ "$with_redis" = 1 ]; then echo "    throughput ratio redis/in-memory store: $(ratio "$(column "$scenario-ours-redis" 1)" "$(column "$scenario-ours" 1)")"; fi
done
