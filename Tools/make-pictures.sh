#!/usr/bin/env bash
# Regenerates the walkthroughs' pictures with the simulator, so none can drift from the code.
# Each picture is one Simulator command; the walkthroughs quote these commands as written here.
#
# Usage: Tools/make-pictures.sh          rebuild the simulator, rewrite docs/pictures/*.svg
#        Tools/make-pictures.sh --check  regenerate into a temporary directory and fail if a
#                                        committed picture differs (CI)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mode=${1:-write}
case "$mode" in
  write|--check) ;;
  *) echo "usage: Tools/make-pictures.sh [--check]" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build --product Simulator >/dev/null
simulator="$(swift build --show-bin-path)/Simulator"
# Stage 4's table places keys by hash; a fixed seed makes the eviction picture the same every run.
export SWIFT_DETERMINISTIC_HASHING=1

# name of the picture, then the Simulator arguments that draw it.
pictures=(
  "v1-burst-and-refill|--trace burst-then-idle --algorithms v1-token-bucket --chart levels"
  "boundary-burst|--trace boundary-burst --window 2 --algorithms v4-gcra,v5-sliding-window,fixed-window"
  "v2-lost-updates|--picture v2-lost-updates"
  "v3-middleware-path|--picture v3-middleware-path"
  "v3-headers-over-burst|--picture v3-headers-over-burst"
  "v4-eviction-flood|--picture v4-eviction-flood"
  "v5-proxy-path|--picture v5-proxy-path"
)

stale=0
for entry in "${pictures[@]}"; do
  name=${entry%%|*}
  arguments=${entry#*|}
  # shellcheck disable=SC2086  # the arguments are meant to split into words
  "$simulator" $arguments --svg "$work/$name.svg" >/dev/null
  committed="docs/pictures/$name.svg"
  if [ "$mode" = --check ]; then
    if ! cmp -s "$work/$name.svg" "$committed"; then
      echo "$committed is stale; regenerate it with Tools/make-pictures.sh" >&2
      stale=1
    fi
  else
    mkdir -p docs/pictures
    cp "$work/$name.svg" "$committed"
    echo "wrote $committed (swift run Simulator $arguments --svg $committed)"
  fi
done
exit "$stale"
