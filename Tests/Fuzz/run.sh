#!/usr/bin/env bash
# Builds the HTTPParser libFuzzer target and runs a bounded pass.
# Usage: Tests/Fuzz/run.sh [seconds]   (default 60). Exits non-zero on a crash.
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$root/.build-fuzz"
mkdir -p "$work/corpus"
cp -n "$root"/Tests/Fuzz/seeds/* "$work/corpus/" 2>/dev/null || true

# The parser is compiled alone (no event loop, no Foundation) so the fuzzer exercises exactly it.
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name ParserFuzz \
    "$root"/Sources/HTTPEngine/Message/*.swift \
    "$root"/Sources/HTTPEngine/Parser/*.swift \
    "$root"/Tests/Fuzz/ParserFuzzEntry.swift \
    -o "$work/parser-fuzzer" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

# The Swift backtracer takes minutes under ASan; libFuzzer's own report is enough.
SWIFT_BACKTRACE=enable=no "$work/parser-fuzzer" "$work/corpus" \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/" -print_final_stats=1
