#!/usr/bin/env bash
# Runs the same EVALSHA (a token-bucket-shaped Lua script) through RedisConnectionPool
# (RedisBenchmark, release build, 64 concurrent callers sharing one pipelined connection per
# loop) and through `redis-benchmark -P 16 -c 64`, alternating rounds against one redis-server,
# and reports medians, the ratio, p50/p99 and heap allocations per call.
#
# Usage: Benchmarks/Redis/compare-with-redis-benchmark.sh [rounds=5] [seconds=5]
# Environment: LOOPS (client loops, default 1), CALLERS (default 64), SUBJECT=script (the GCRA
# script through RedisConnectionPool, default) or store (stage 5's RedisStore and its script).
set -euo pipefail
rounds="${1:-5}"
seconds="${2:-5}"
loops="${LOOPS:-1}"
callers="${CALLERS:-64}"
subject="${SUBJECT:-script}"
port=16399
source "$(dirname "$0")/../common.sh"
require_free_ports "$port"

install_missing redis-server:redis-server redis-benchmark:redis-tools gcc:gcc
bench="$(build_release RedisBenchmark .build-release)"
malloc_counter="$(build_malloc_counter)"

redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --daemonize no \
    --logfile "$work/redis.log" & pids+=($!)
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# redis-benchmark gets the same script and the same arguments the Swift side sends.
if [ "$subject" = store ]; then
    source=$("$bench" --print-store-script)
    bench_args=(1 "ratelimit:{bucket:__rand_int__}:1000/s" 1 "" t 1000 1000 1000000)
else
    source=$(sed -n '/^let script = RedisScript("""$/,/^""")$/p' "$root/Benchmarks/RedisBenchmark/main.swift" | sed '1d;$d')
    bench_args=(1 "bucket:__rand_int__" 1000 10)
fi
sha=$(redis-cli -p "$port" script load "$source")
echo "subject: $subject, script sha1: $sha"

ours=(); theirs=(); ours_p50=(); ours_p99=(); theirs_p50=()
for round in $(seq "$rounds"); do
    line=$("$bench" "$port" "$callers" "$seconds" "$loops" "$subject")
    ours+=("$(sed 's/.*calls_per_second=\([0-9]*\).*/\1/' <<<"$line")")
    ours_p50+=("$(sed 's/.*p50_ms=\([0-9.]*\).*/\1/' <<<"$line")")
    ours_p99+=("$(sed 's/.*p99_ms=\([0-9.]*\).*/\1/' <<<"$line")")
    # -n sized for about `seconds` at 200k/s; -r spreads keys over 100,000 like the Swift side.
    out=$(redis-benchmark -p "$port" -P 16 -c 64 -n $((200000 * ${seconds%.*})) -r 100000 -q \
        evalsha "$sha" "${bench_args[@]}" 2>/dev/null | tr '\r' '\n' | grep 'requests per second' | tail -1)
    theirs+=("$(sed 's/.*: \([0-9.]*\) requests per second.*/\1/' <<<"$out" | cut -d. -f1)")
    theirs_p50+=("$(sed -n 's/.*p50=\([0-9.]*\) msec.*/\1/p' <<<"$out")")
    echo "round $round: RedisConnectionPool ${ours[-1]}/s (p50 ${ours_p50[-1]} ms, p99 ${ours_p99[-1]} ms)  redis-benchmark ${theirs[-1]}/s (p50 ${theirs_p50[-1]} ms)"
done

median_of() { printf '%s\n' "$@" | median; }
m_ours=$(median_of "${ours[@]}"); m_theirs=$(median_of "${theirs[@]}")
echo
echo "median calls/s: RedisConnectionPool ($subject) $m_ours, redis-benchmark -P 16 -c 64 $m_theirs, ratio $(ratio "$m_ours" "$m_theirs")"
echo "median latency: RedisConnectionPool p50 $(median_of "${ours_p50[@]}") ms p99 $(median_of "${ours_p99[@]}") ms; redis-benchmark p50 $(median_of "${theirs_p50[@]}") ms"

COUNT_ALLOCATIONS=1 LD_PRELOAD="$malloc_counter" "$bench" "$port" "$callers" 1 "$loops" "$subject" >"$work/alloc.out" 2>"$work/alloc.err"
first=$(grep malloc-counter "$work/alloc.err" | head -1 | sed 's/.*allocations=\([0-9]*\).*/\1/')
last=$(grep malloc-counter "$work/alloc.err" | tail -1 | sed 's/.*allocations=\([0-9]*\).*/\1/')
calls=$(sed -n 's/calls=//p' "$work/alloc.out")
echo "heap allocations per call (steady state): $(awk -v a="$first" -v b="$last" -v n="$calls" 'BEGIN { printf "%.2f", (b - a) / n }') over $calls calls"
