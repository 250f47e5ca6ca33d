#!/usr/bin/env bash
# Checks the Dockerfile and the Kubernetes manifests on a machine with no container engine and
# no cluster (what it proves and what it cannot: docs/deployment.md).
#
#   deploy/check.sh [BINARY]   the manifests against the binary (its --help, its admin handler,
#                              its --check-config on the ConfigMap's file), and the image's build
#                              context; builds the debug binary unless BINARY is given
#   deploy/check.sh --static   first builds the static release binary the image carries, the
#                              Dockerfile's way (slow: minutes), checks what it links, runs it as
#                              the image would (PID 1, uid 10001, no environment) through a
#                              request and a SIGTERM drain, then checks the manifests against it
#
# Needs the Swift toolchain and python3 with PyYAML (Debian: python3-yaml); --static also curl.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# The runtime image's C library: debian:bookworm-slim has glibc 2.36.
RUNTIME_GLIBC=2.36
# What a binary with a static Swift stdlib may still load: glibc and the C++ runtime, all in
# the runtime image. Anything Swift here would mean the image cannot start it.
ALLOWED_LIBRARIES='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1|/lib64/ld-linux-x86-64\.so\.2|/lib/ld-linux-aarch64\.so\.1)$'

usage() { sed -n '2,13s/^# \{0,1\}//p' "$0"; }
section() { printf '\n=== %s ===\n' "$*"; }
fail() { echo "deploy/check.sh: $*" >&2; exit 1; }

static=false
binary=""
for argument in "$@"; do
    case $argument in
        --static) static=true ;;
        -h|--help) usage; exit 0 ;;
        -*) usage >&2; exit 2 ;;
        *) binary=$argument ;;
    esac
done

"$PYTHON" -c 'import yaml' 2>/dev/null || fail "$PYTHON has no PyYAML (Debian: apt-get install python3-yaml)"

# Starts the binary the way the image does (PID 1 of its own PID namespace, its own user, an
# empty environment, / as the working directory, a read-only root) on free loopback ports, asks the admin
# endpoints and the embedded demo upstream, then sends SIGTERM to it as the container runtime
# would and expects the drain to end in exit 0. PID 1 matters: the kernel drops signals PID 1
# has no handler for, so a binary that drains when run by hand could ignore `docker stop`.
smoke_test() {
    local binary=$1 directory log launcher pid addresses address admin path status code=0
    command -v curl >/dev/null || fail "--static needs curl"
    directory=$(mktemp -d)
    install -m 0755 "$binary" "$directory/V5RateLimitProxy"
    # Stripped as the Dockerfile does, so the file run is the one the image would carry.
    if command -v strip >/dev/null; then strip "$directory/V5RateLimitProxy"; fi
    chmod 0755 "$directory"
    log="$directory/log"
    local wrappers=()
    if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare --pid --mount --fork true 2>/dev/null; then
        # The shell makes the root file system read-only in its own mount namespace, as the
        # Deployment's readOnlyRootFilesystem does, then becomes the binary: still PID 1.
        # shellcheck disable=SC2016  # expanded by that shell
        wrappers+=(unshare --pid --mount --kill-child sh -c 'mount --make-rprivate / && mount -o remount,bind,ro / && echo "read-only root file system"; exec "$@"' sh)
        echo "as PID 1 of new PID and mount namespaces"
    else
        echo "not as PID 1 (needs root and unshare)"
    fi
    if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        wrappers+=(setpriv --reuid=10001 --regid=10001 --clear-groups)
        echo "as uid 10001 (the image's USER, no account on this machine), empty environment, cwd /"
    fi
    (cd / && exec "${wrappers[@]}" env -i "$directory/V5RateLimitProxy" --listen 127.0.0.1:0 --admin 127.0.0.1:0) >"$log" 2>&1 &
    launcher=$!
    # shellcheck disable=SC2064  # the values are meant to be fixed now
    trap "kill $launcher 2>/dev/null || true; rm -rf '$directory'" EXIT
    # Ends the test with the binary's log and, if it died, how.
    give_up() {
        sleep 0.2  # a binary that just crashed may still be exiting
        cat "$log" >&2
        if ! kill -0 "$launcher" 2>/dev/null; then
            wait "$launcher" || code=$?
            fail "$1; the binary is gone (exit $code$( [ "$code" -gt 128 ] && echo ": signal $((code - 128))"))"
        fi
        fail "$1"
    }
    for _ in $(seq 100); do grep -q '"event":"listening"' "$log" && break; sleep 0.1; done
    addresses=$(sed -n 's/.*"event":"listening".*"address":"\([^"]*\)".*"admin":"\([^"]*\)".*/\1 \2/p' "$log")
    [ -n "$addresses" ] || give_up "the static binary did not start listening"
    read -r address admin <<<"$addresses"
    grep -q '^read-only root file system$' "$log" && echo "with the root file system read-only"
    for path in /healthz /readyz; do
        status=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$admin$path" || true)
        echo "GET $path on the admin listener: $status"
        [ "$status" = 200 ] || give_up "$path answered $status"
    done
    status=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$address/" || true)
    echo "GET / through the proxy to the embedded demo upstream: $status"
    [ "$status" = 200 ] || give_up "the proxy answered $status"
    # unshare forks the binary (exec'd through setpriv and env): the signal goes to that child.
    pid=$launcher
    if [ "${wrappers[0]:-}" = unshare ]; then
        pid=$(cat "/proc/$launcher/task/$launcher/children" 2>/dev/null || pgrep -P "$launcher")
        echo "the binary is PID $(awk '/^NSpid:/ {print $NF}' "/proc/${pid// /}/status") in its namespace"
    fi
    kill -TERM ${pid}
    wait "$launcher" || code=$?
    grep -q '"event":"stopped"' "$log" || give_up "no stopped line after SIGTERM"
    echo "SIGTERM: drained, exit $code"
    [ "$code" = 0 ] || give_up "exit $code after SIGTERM, expected 0"
    trap - EXIT
    rm -rf "$directory"
}

if $static; then
    section "Static release binary (the Dockerfile's build command, in .build-static)"
    started=$(date +%s)
    swift build -c release --static-swift-stdlib --product V5RateLimitProxy --scratch-path .build-static
    echo "built in $(( $(date +%s) - started )) s"
    static_binary="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/V5RateLimitProxy"
    "$static_binary" --help >/dev/null
    ls -l "$static_binary"

    section "What the static binary still loads"
    libraries=$(ldd "$static_binary" | awk '{print $1}')
    echo "$libraries"
    unexpected=$(grep -Ev "$ALLOWED_LIBRARIES" <<<"$libraries" || true)
    [ -z "$unexpected" ] || fail "the static binary loads libraries the runtime image lacks: $unexpected"
    if command -v objdump >/dev/null; then
        newest=$(objdump -T "$static_binary" | grep -o 'GLIBC_2\.[0-9]*' | sort -uV | tail -n 1)
        echo "newest glibc symbol version: $newest (the runtime image has $RUNTIME_GLIBC)"
        [ "$(printf '%s\n' "${newest#GLIBC_}" "$RUNTIME_GLIBC" | sort -V | tail -n 1)" = "$RUNTIME_GLIBC" ] \
            || fail "the binary needs $newest; the runtime image's glibc is $RUNTIME_GLIBC"
    else
        echo "objdump not found (binutils): glibc symbol versions not checked"
    fi

    section "The static binary serves and drains"
    smoke_test "$static_binary"
    binary=${binary:-$static_binary}
fi

if [ -z "$binary" ]; then
    section "Build the binary"
    swift build --product V5RateLimitProxy
    binary="$(swift build --show-bin-path)/V5RateLimitProxy"
fi

section "Manifests against the binary ($binary)"
"$PYTHON" deploy/check-manifests.py --binary "$binary"

section "The image's build context"
"$PYTHON" deploy/check-build-context.py

echo
echo "deploy/check.sh: ok"
