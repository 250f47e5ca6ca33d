#!/usr/bin/env bash
# Writes Stages/diffs/V<n>-V<n+1>.diff: what changed from one stage's snapshot to the next.
# Each stage's targets are laid side by side under a common role name (library, demo, tests),
# because the target names differ (V1TokenBucket, V2KeyedLimiter, ...) while their roles match.
# Usage: Stages/make-diffs.sh          regenerate the committed diffs
#        Stages/make-diffs.sh --check  fail if a committed diff is stale (used by CI)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

role_of() { # $1 = Sources/X or Tests/X
  case "$1" in
    Tests/*) echo tests ;;
    *) if [ -f "$1/main.swift" ] || [[ "$1" == *Demo* ]]; then echo demo; else echo library; fi ;;
  esac
}

stages=$(ls -d Sources/V[0-9]* 2>/dev/null | sed -E 's|Sources/V([0-9]+).*|\1|' | sort -n | uniq)
for stage in $stages; do
  for dir in Sources/V"$stage"* Tests/V"$stage"*; do
    [ -d "$dir" ] || continue
    role=$(role_of "$dir")
    mkdir -p "$work/V$stage/$role"
    cp -R "$dir"/. "$work/V$stage/$role/"
  done
done

mkdir -p "$work/out"
previous=""
for stage in $stages; do
  if [ -n "$previous" ]; then
    name="V$previous-V$stage.diff"
    # git's diff format has no timestamps, so the output depends only on file contents.
    (cd "$work" && git diff --no-index --no-color --find-renames "V$previous" "V$stage" > "out/$name" || true)
  fi
  previous=$stage
done

if [ "${1:-}" = "--check" ]; then
  stale=0
  for file in "$work"/out/*.diff; do
    [ -e "$file" ] || continue
    name=$(basename "$file")
    if ! cmp -s "$file" "Stages/diffs/$name"; then
      echo "Stages/diffs/$name is stale: run Stages/make-diffs.sh and commit the result" >&2
      stale=1
    fi
  done
  for committed in Stages/diffs/*.diff; do
    [ -e "$committed" ] || continue
    [ -e "$work/out/$(basename "$committed")" ] || { echo "$committed has no stage pair any more" >&2; stale=1; }
  done
  exit $stale
fi

mkdir -p Stages/diffs
rm -f Stages/diffs/*.diff
cp "$work"/out/*.diff Stages/diffs/ 2>/dev/null || true
ls Stages/diffs
