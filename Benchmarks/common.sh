# What every comparison script under Benchmarks/ needs; sourced, not run:
#   source "$(dirname "$0")/../common.sh"
# Sets `root` (the package) and `work` (a fresh scratch folder), and a trap that stops every
# process whose pid was added to `pids` and removes `work` unless the script set `keep_work=1`
# (its reports are there). Left behind, the folders of profiles and big transfers filled /tmp.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/bench.XXXXXX)"

pids=()
keep_work=0
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$keep_work" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# Installs the Debian packages of the commands named (`command:package`) that are missing.
install_missing() {
    local missing=() entry
    for entry in "$@"; do
        command -v "${entry%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${entry%%:*}" ] || missing+=("${entry#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing ${missing[*]}..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Builds product $1 in release mode into scratch folder $2 (below the package); prints its path.
# With a third argument `static`, links the Swift runtime and libraries into the binary
# (`--static-swift-stdlib`, as the Dockerfile builds the proxy it ships); glibc stays shared, so
# the allocation counter's LD_PRELOAD still sees every malloc.
build_release() {
    local flags=()
    [ "${3:-}" = static ] && flags+=(--static-swift-stdlib)
    echo "building $1 (release${flags[*]:+, ${flags[*]}})..." >&2
    swift build -c release "${flags[@]}" --scratch-path "$root/$2" --product "$1" >"$work/build-$1.log" 2>&1 \
        || { cat "$work/build-$1.log" >&2; exit 1; }
    echo "$root/$2/release/$1"
}

# Builds product $1 as it is shipped, statically linked, into `.build-$2-static`; with STATIC=0
# linked dynamically into `.build-$2-release`. Prints its path.
build_shipped() {
    if [ "${STATIC:-1}" = 1 ]; then
        build_release "$1" ".build-$2-static" static
    else
        build_release "$1" ".build-$2-release"
    fi
}

# Builds the allocation-counting shim (LD_PRELOAD; prints counts on SIGUSR2); prints its path.
build_malloc_counter() {
    gcc -O2 -shared -fPIC -o "$work/malloc-counter.so" "$root/Benchmarks/HTTPServer/malloc-counter.c"
    echo "$work/malloc-counter.so"
}

# Prints the start of an nginx configuration up to and including `http {`: $1 workers, pid file
# and error log at path prefix $2, logging off, keep-alive unbounded, temporary files in $work.
# The caller writes the servers and the closing brace.
nginx_conf_start() {
    cat <<CONF
worker_processes $1;
daemon off;
pid $2.pid;
error_log $2.error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
CONF
}

# Prints the directives of a location that proxies to nginx upstream block $1 over HTTP/1.1
# keep-alive connections, doing per request what our proxy does by default: Host kept, the three
# X-Forwarded-* fields set, and a request ID (32 random hex digits, as `$request_id`) generated,
# sent upstream and echoed to the client. Without the last two, nginx did less work per request
# than the proxy it is compared with.
nginx_proxy_pass() {
    cat <<CONF
            proxy_pass http://$1;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$http_host;
            proxy_set_header X-Request-ID \$request_id;
            add_header X-Request-ID \$request_id always;
CONF
}

# Prints the start of an HAProxy configuration for $1 threads: HTTP keep-alive on both sides,
# and per request what our proxy does by default (see `nginx_proxy_pass`): the X-Forwarded-*
# fields and a request ID (a random UUID) sent upstream and echoed. The caller writes the frontends and backends.
haproxy_conf_start() {
    cat <<CONF
global
    nbthread $1
defaults
    mode http
    option http-keep-alive
    option forwardfor
    unique-id-format %[uuid]
    unique-id-header X-Request-ID
    timeout connect 5s
    timeout client 30s
    timeout server 30s
CONF
}

# Prints an HAProxy backend `upstream` reusing idle connections to 127.0.0.1:$1, with the
# field rules HAProxy allows only in a proxy section (see `haproxy_conf_start`).
haproxy_upstream_backend() {
    cat <<CONF
backend upstream
    http-reuse always
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    http-response set-header X-Request-ID %[unique-id]
    server u1 127.0.0.1:$1
CONF
}

# Writes an nginx configuration to file $1: `return 200 "Hello, world!"` on port $2 with $3
# workers, so the upstream is never what is measured.
write_hello_nginx_conf() {
    {
        nginx_conf_start "$3" "$1"
        cat <<CONF
    server {
        listen 127.0.0.1:$2;
        location / { default_type text/plain; return 200 "Hello, world!"; }
    }
}
CONF
    } >"$1"
}

# Exits when something already listens on any of the ports given. Our servers bind with
# SO_REUSEPORT, so one started beside a leftover process on the same port shares the connections
# with it, and the figures silently mix the two (it happened to a hand-run comparison on 2026-12-04).
require_free_ports() {
    local port
    for port in "$@"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "port $port is already in use (a leftover server?): stop it and run again" >&2
            exit 1
        fi
    done
}

# Waits until an HTTP server answers on port $1 (up to 30 s).
wait_for_port() {
    for _ in $(seq 1 300); do
        if curl -s -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    exit 1
}

# wrk prints latency as e.g. 812.00us / 1.23ms / 1.02s; normalise to microseconds.
to_micros() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); print v } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v*1000 } else if (v ~ /s$/) { sub(/s$/,"",v); print v*1000000 } }'; }

# The median of the numbers on standard input, one per line.
median() { sort -n | awk '{ a[NR]=$1 } END { if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }

# CPU clock ticks, "user system", used so far by the processes $@ (all their threads).
cpu_ticks() {
    local user=0 system=0 pid u s
    for pid in "$@"; do
        read -r u s < <(awk '{ print $14, $15 }' "/proc/$pid/stat")
        user=$((user + u)); system=$((system + s))
    done
    echo "$user $system"
}

# The processes doing server $1's work: its children when it has some (nginx's workers), else itself.
serving_pids() { local children; children="$(pgrep -P "$1" | tr '\n' ' ')"; echo "${children:-$1}"; }

# "user system" CPU microseconds per request between `cpu_ticks` readings $1 and $2, over $3 requests.
# Steadier than requests/s on a shared machine: a neighbour's load slows every contestant's
# clock, but costs none of them CPU time of their own.
cpu_per_request() {
    awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.2f %.2f", (y[1] - x[1]) / hz * 1e6 / n, (y[2] - x[2]) / hz * 1e6 / n }'
}

# $1 / $2 with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a/b }'; }

# The ratio of column $3 of result files $1 and $2 in each round (line), then their median:
# "1.04 0.94 1.06 (median 1.04)". Rounds pair contestants run back to back, so a round's ratio
# shares that moment's load on the machine; the ratio of medians mixes rounds.
round_ratios() {
    local ratios
    ratios="$(paste -d' ' <(awk -v c="$3" '{ print $c }' "$1") <(awk -v c="$3" '{ print $c }' "$2") | awk '{ printf "%.2f\n", $1 / $2 }')"
    echo "$(echo $ratios) (median $(echo "$ratios" | median))"
}
