#!/usr/bin/env bash
# Builds the HTTPParser and RESPDecoder libFuzzer targets and runs a bounded pass of each,
# the seconds split between them.
# Usage: Tests/Fuzz/run.sh [seconds]   (default 60). Exits non-zero on a crash.
set -euo pipefail
seconds="${1:-60}"
resp_seconds=$(( seconds / 2 > 0 ? seconds / 2 : 1 ))
parser_seconds=$(( seconds - resp_seconds > 0 ? seconds - resp_seconds : 1 ))
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$root/.build-fuzz"
mkdir -p "$work/corpus" "$work/corpus-resp"
cp -n "$root"/Tests/Fuzz/seeds/* "$work/corpus/" 2>/dev/null || true
cp -n "$root"/Tests/Fuzz/seeds-resp/* "$work/corpus-resp/" 2>/dev/null || true

# Each target is compiled alone (no event loop, no Foundation) so the fuzzer exercises exactly it.
swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name RateLimiting -module-name ParserFuzz \
    "$root"/Sources/HTTPEngine/Message/*.swift \
    "$root"/Sources/HTTPEngine/Parser/*.swift \
    "$root"/Tests/Fuzz/ParserFuzzEntry.swift \
    -o "$work/parser-fuzzer" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name RateLimiting -module-name RESPFuzz \
    "$root"/Sources/RedisClient/RESP/*.swift \
    "$root"/Tests/Fuzz/RESPFuzzEntry.swift \
    -o "$work/resp-fuzzer" > "$work/build-resp.log" 2>&1 || { cat "$work/build-resp.log"; exit 1; }

# The Swift backtracer takes minutes under ASan; libFuzzer's own report is enough.
echo "=== HTTP parser: $parser_seconds s ==="
SWIFT_BACKTRACE=enable=no "$work/parser-fuzzer" "$work/corpus" \
    -max_total_time="$parser_seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/" -print_final_stats=1
echo "=== RESP decoder: $resp_seconds s ==="
SWIFT_BACKTRACE=enable=no "$work/resp-fuzzer" "$work/corpus-resp" \
    -max_total_time="$resp_seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/resp-" -print_final_stats=1
