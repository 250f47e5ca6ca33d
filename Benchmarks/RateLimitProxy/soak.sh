#!/usr/bin/env bash
# Soak run of the stage 5 proxy (release build, in-memory store): everything a long-running
# deployment meets, at once, for a while, and whether memory and descriptors stay flat.
#
# For the whole run, against one nginx `return 200` upstream and a second one that is stopped and
# started every 10 s (the `/flaky` route balances over both, with active health checks):
#   - keys: `wrk -t1 -c16`, each request with one of 20,000 configured API keys (a tier with a
#     token bucket and a sliding window) or an unknown key, on `/` or on `/limited` (5 a minute,
#     mostly refused), into a table of 4,096 keys: evictions on nearly every request;
#   - churn: `wrk -t1 -c4` with `Connection: close` on `/flaky`: a new connection per request;
#   - hostile: `hostile-clients.py`, 3 threads of connections abandoned in every way (half heads,
#     unread answers, abandoned uploads, garbage, pipelines dropped halfway, resets);
#   - a reload (SIGHUP) every 5 s, alternating two files whose `/limited` limit differs, each with
#     the 20,000 keys;
#   - `/metrics` and `/explain` read every second.
# With STORE=redis the limits live in a real `redis-server` instead (fail-open), which is killed
# and restarted every 30 s, and paused (SIGSTOP) for 5 s in between: reconnects, time-outs and
# the breaker, for the whole run.
# The proxy's resident memory, descriptors and threads are sampled every 10 s. At the end, with
# the traffic stopped: every descriptor that is not an upstream connection kept for reuse must be
# one the proxy had before the traffic (no client connection leaked), and resident memory must
# have levelled off: the verdict compares its growth over the last half of the run with the
# bound below.
#
# Usage: Benchmarks/RateLimitProxy/soak.sh [minutes=10]
# Environment: GROWTH_BOUND_MIB (default 8): most resident memory may grow over the run's second
# half; STORE=memory (default) or redis.
set -euo pipefail
minutes="${1:-10}"
growth_bound_mib="${GROWTH_BOUND_MIB:-8}"
seconds=$((minutes * 60))
upstream_port=18381
proxy_port=18382
admin_port=18383
flaky_port=18386
redis_port=18384
store="${STORE:-memory}"
key_count=20000
source "$(dirname "$0")/../common.sh"
require_free_ports "$upstream_port" "$proxy_port" "$admin_port" "$flaky_port" "$redis_port"
install_missing wrk:wrk nginx:nginx-light curl:curl python3:python3
[ "$store" = redis ] && install_missing redis-server:redis-server
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

proxy="$(build_shipped V5RateLimitProxy ratelimit)"

write_hello_nginx_conf "$work/upstream.conf" "$upstream_port" 1
write_hello_nginx_conf "$work/flaky.conf" "$flaky_port" 1
"$nginx_bin" -c "$work/upstream.conf" >/dev/null 2>&1 &
pids+=($!)

# Two configurations that differ in `/limited`'s limit, so every reload replaces one limit and
# keeps the others (and their state).
python3 - "$work" "$key_count" "$proxy_port" "$admin_port" "$upstream_port" "$flaky_port" "$store" "$redis_port" <<'PY'
import json, sys
work, count, port, admin, upstream, flaky, store, redis = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
for name, per_minute in (("a", 5), ("b", 6)):
    config = {
        "listen": f"127.0.0.1:{port}", "admin": f"127.0.0.1:{admin}",
        "upstreams": [f"http://127.0.0.1:{upstream}"],
        "healthCheck": {"path": "/", "interval": "1s", "timeout": "500ms", "healthyThreshold": 1, "unhealthyThreshold": 1, "jitter": "100ms"},
        "apiKeyHeader": "X-API-Key",
        "anonymous": {"limits": [{"rps": 1000000, "burst": 1000000}]},
        "tiers": {"soak": {"limits": [{"rps": 1000, "burst": 1000}, {"count": 1000000, "per": "1h", "algorithm": "sliding_window"}]}},
        "apiKeys": {f"soak-key-{n}": "soak" for n in range(1, count + 1)},
        "routes": [
            {"path": "/flaky", "backends": [f"http://127.0.0.1:{upstream}", f"http://127.0.0.1:{flaky}"]},
            {"path": "/limited", "limits": [{"count": per_minute, "per": "1m"}]},
        ],
        "store": {"maxKeys": 4096} if store == "memory" else {"redis": f"127.0.0.1:{redis}", "failureMode": "fail-open", "timeout": "50ms"},
        "accessLog": True,
    }
    json.dump(config, open(f"{work}/config-{name}.json", "w"))
PY
cp "$work/config-a.json" "$work/config.json"

cat >"$work/keys.lua" <<LUA
math.randomseed(os.time())
request = function()
    local path = math.random(4) == 1 and "/limited" or "/"
    local key = math.random(8) == 1 and ("unknown-" .. math.random(1000000)) or ("soak-key-" .. math.random($key_count))
    return wrk.format("GET", path, { ["X-API-Key"] = key })
end
LUA

start_redis() {
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >>"$work/redis.out" 2>&1 &
    redis_pid=$!
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break; sleep 0.05; done
}
redis_pid=""
if [ "$store" = redis ]; then start_redis; fi
# Returns 0 whether or not Redis runs: the exit trap below runs under `set -e`, and a failing
# first command there skipped the cleanup, leaving the proxy and the upstream running.
stop_redis() {
    if [ -n "$redis_pid" ]; then
        kill -CONT "$redis_pid" 2>/dev/null || true
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
        redis_pid=""
    fi
}
trap 'stop_redis; cleanup' EXIT

# The access log (on, as shipped) goes nowhere: its lines are not what is measured.
"$proxy" --config "$work/config.json" >/dev/null 2>"$work/proxy.err" &
proxy_pid=$!
pids+=("$proxy_pid")
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$admin_port/readyz" && break; sleep 0.1; done
curl -fs -o /dev/null "http://127.0.0.1:$admin_port/readyz" || { cat "$work/proxy.err"; exit 1; }

descriptors() { find "/proc/$proxy_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
resident_kib() { awk '/^VmRSS/ {print $2}' "/proc/$proxy_pid/status"; }
threads() { awk '/^Threads/ {print $2}' "/proc/$proxy_pid/status"; }
# The proxy's connections to the upstreams, which its pools keep for reuse after the traffic.
upstream_connections() {
    ss -tnpH state established "( dport = :$upstream_port or dport = :$flaky_port )" 2>/dev/null | grep -c "pid=$proxy_pid," || true
}

sleep 1
baseline_descriptors=$(descriptors)
echo "proxy up: $(resident_kib) KiB resident, $baseline_descriptors descriptors, $(threads) threads; soaking for $minutes min"

wrk -t1 -c16 -d"${seconds}s" -s "$work/keys.lua" "http://127.0.0.1:$proxy_port/" >"$work/wrk-keys.txt" 2>&1 &
traffic=($!)
wrk -t1 -c4 -d"${seconds}s" -H "Connection: close" "http://127.0.0.1:$proxy_port/flaky" >"$work/wrk-churn.txt" 2>&1 &
traffic+=($!)
python3 "$(dirname "$0")/hostile-clients.py" 127.0.0.1 "$proxy_port" "$seconds" 3 >"$work/hostile.txt" 2>&1 &
traffic+=($!)
pids+=("${traffic[@]}")

start=$(date +%s)
reloads=0
next_sample=0
next_reload=5
next_pause=15
next_resume=20
next_restart=30
flaky_pid=""
echo "seconds resident_kib descriptors threads" >"$work/samples.txt"
while [ $(($(date +%s) - start)) -lt "$seconds" ]; do
    elapsed=$(($(date +%s) - start))
    if [ "$elapsed" -ge "$next_sample" ]; then
        next_sample=$((next_sample + 10))
        echo "$elapsed $(resident_kib) $(descriptors) $(threads)" | tee -a "$work/samples.txt"
        # The second upstream goes away and comes back every 10 s.
        if [ -n "$flaky_pid" ]; then
            kill "$flaky_pid"; wait "$flaky_pid" 2>/dev/null || true; flaky_pid=""
        else
            "$nginx_bin" -c "$work/flaky.conf" >/dev/null 2>&1 & flaky_pid=$!
        fi
    fi
    if [ "$store" = redis ]; then
        # Paused from :15 to :20 of every 30 s, killed and restarted at :30.
        if [ "$elapsed" -ge "$next_pause" ]; then kill -STOP "$redis_pid"; next_pause=$((next_pause + 30)); fi
        if [ "$elapsed" -ge "$next_resume" ]; then kill -CONT "$redis_pid"; next_resume=$((next_resume + 30)); fi
        if [ "$elapsed" -ge "$next_restart" ]; then stop_redis; start_redis; next_restart=$((next_restart + 30)); fi
    fi
    if [ "$elapsed" -ge "$next_reload" ]; then
        next_reload=$((next_reload + 5))
        cp "$work/config-$([ $((reloads % 2)) -eq 0 ] && echo b || echo a).json" "$work/config.json.new"
        mv "$work/config.json.new" "$work/config.json"
        kill -HUP "$proxy_pid"
        reloads=$((reloads + 1))
    fi
    curl -fs -o /dev/null "http://127.0.0.1:$admin_port/metrics" || echo "metrics failed at ${elapsed}s"
    curl -fs -o /dev/null "http://127.0.0.1:$admin_port/explain?api_key=soak-key-7&path=/limited" || echo "explain failed at ${elapsed}s"
    sleep 1
done
wait "${traffic[@]}" 2>/dev/null || true
[ -n "$flaky_pid" ] && { kill "$flaky_pid"; wait "$flaky_pid" 2>/dev/null || true; }
kill -0 "$proxy_pid" 2>/dev/null || { echo "FAIL: the proxy exited during the soak"; cat "$work/proxy.err"; exit 1; }

# Client connections close as the clients go; give the loops a moment to see every hang-up.
sleep 5
final_descriptors=$(descriptors)
kept_upstream=$(upstream_connections)
final_resident=$(resident_kib)
echo "$seconds $final_resident $final_descriptors $(threads) (traffic stopped)" | tee -a "$work/samples.txt"

echo
echo "keys:    $(grep -E 'requests in|Non-2xx|Socket errors' "$work/wrk-keys.txt" | tr -s ' ' | paste -sd ';')"
echo "churn:   $(grep -E 'requests in|Non-2xx|Socket errors' "$work/wrk-churn.txt" | tr -s ' ' | paste -sd ';')"
echo "$(cat "$work/hostile.txt")"
[ "$store" = redis ] && echo "store: redis, killed and restarted every 30 s and paused 5 s in between; decisions by path: $(curl -fs "http://127.0.0.1:$admin_port/metrics" | grep '^ratelimit_decisions_total' | awk '$2 > 0 {printf "%s %s; ", $1, $2}')"
echo "reloads: $reloads; reload failures logged: $(grep -c -i 'reload failed\|keeping the old' "$work/proxy.err" || true)"

python3 - "$work/samples.txt" "$growth_bound_mib" <<'PY'
import sys
rows = [line.split()[:2] for line in open(sys.argv[1]).read().splitlines()[1:]]
samples = [(int(t), int(kib)) for t, kib in rows]
bound = float(sys.argv[2])
end = samples[-1][0]
half = min(samples, key=lambda s: abs(s[0] - end / 2))
peak = max(kib for _, kib in samples)
growth = (samples[-1][1] - half[1]) / 1024
print(f"resident: {samples[0][1] / 1024:.1f} MiB after 0 s, {half[1] / 1024:.1f} MiB at {half[0]} s, "
      f"{samples[-1][1] / 1024:.1f} MiB at the end (peak {peak / 1024:.1f} MiB); second half's growth {growth:+.1f} MiB (bound {bound:g})")
print("PASS: resident memory levelled off" if growth <= bound else "FAIL: resident memory still growing")
PY
client_descriptors=$((final_descriptors - kept_upstream))
echo "descriptors: $baseline_descriptors before the traffic, $final_descriptors after it, of which $kept_upstream upstream connections kept for reuse"
if [ "$client_descriptors" -le "$baseline_descriptors" ]; then
    echo "PASS: no descriptor leaked"
else
    echo "FAIL: $((client_descriptors - baseline_descriptors)) descriptors more than before the traffic"
    ls -l "/proc/$proxy_pid/fd" | tail -n 20
fi
