#!/usr/bin/env bash
# Streams one large upload and one large download at a time with curl, through the engine
# (StreamServer) against nginx, and through ReverseProxyServer against nginx as a reverse proxy,
# both proxies in front of the same StreamServer. Alternating rounds; reports median MB/s, the
# ratio to each nginx contestant, and the peak resident memory each server or proxy grew by
# during a transfer (the high-water mark reset before it), and checks every byte count.
#
# Usage: Benchmarks/Streaming/compare-with-nginx.sh [rounds=3] [megabytes=1024]
# Environment: LOOPS (server/proxy loops = nginx workers, default 2), BOUND_MIB (default 64),
# CHECK=1 to exit non-zero when a byte count is wrong or our server's or proxy's peak RSS growth
# during a transfer exceeds BOUND_MIB; PEAK_SAMPLING=1 samples VmRSS every 50 ms instead of
# reading the reset high-water mark (a cross-check; sampling can miss a short peak).
#
# Contestants (nginx 1.22 from Debian, `worker_processes` = LOOPS):
#   direct  engine          StreamServer: /upload counts the streamed body, /download writes
#                           64 KiB chunks through the streaming body writer (Content-Length)
#           nginx           static file with `sendfile off` (copies through user space, as we
#                           do); upload: `client_max_body_size 0; return 200`, which answers at
#                           once, then reads and discards the body (checked: curl sent it all
#                           without an error, and nginx logged the request, which it does only
#                           once the body is read; its $request_time is printed beside curl's)
#           nginx-sendfile  the same file with `sendfile on` (download only)
#   proxy   proxy           ReverseProxyServer -> StreamServer
#           nginx-proxy     `proxy_request_buffering off; proxy_buffering off` (streams both ways),
#                           HTTP/1.1 upstream with keepalive
#           nginx-buffered  nginx's defaults: the request body is stored (memory, then a temp
#                           file in the scratch folder) before it is sent, the response buffered
# Cases: download (GET), upload (`curl -T file`: PUT with Content-Length), chunked (`curl -T -`
# from a pipe: PUT with Transfer-Encoding: chunked). `Expect: 100-continue` is turned off for
# every contestant, so none waits curl's 1 s for a 100. The N MiB body file lives in the scratch
# folder and is removed on exit; nothing is written elsewhere but the release build
# (.build-stream-release in the package).
set -euo pipefail
rounds="${1:-3}"
megabytes="${2:-1024}"
loops="${LOOPS:-2}"
bound_mib="${BOUND_MIB:-64}"
source "$(dirname "$0")/../common.sh"
stream_port=18481
proxy_port=18482
nginx_port=18483
nginx_sendfile_port=18484
nginx_proxy_port=18485
nginx_buffered_port=18486
require_free_ports "$stream_port" "$proxy_port" "$nginx_port" "$nginx_sendfile_port" "$nginx_proxy_port" "$nginx_buffered_port"
bytes=$((megabytes * 1024 * 1024))
# In the scratch folder, which common.sh removes on exit.
body="$work/www/body.bin"

install_missing nginx:nginx-light curl:curl
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

stream="$(build_release StreamServer .build-stream-release)"
proxy="$(build_release ReverseProxyServer .build-stream-release)"

mkdir -p "$work/www"
head -c "$bytes" /dev/zero | tr '\0' 'x' >"$body"

proxy_locations() { # the proxy_pass lines both nginx proxies share
    echo "            client_max_body_size 0;"
    nginx_proxy_pass stream
}
{
nginx_conf_start "$loops" "$work/nginx"
cat <<CONF
    log_format seconds \$request_time;
    upstream stream { server 127.0.0.1:$stream_port; keepalive 16; }
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
        sendfile off;
        location /upload { client_max_body_size 0; access_log $work/nginx-upload.log seconds; return 200 "discarded\n"; }
    }
    server {
        listen 127.0.0.1:$nginx_sendfile_port;
        root $work/www;
        sendfile on;
    }
    server {
        listen 127.0.0.1:$nginx_proxy_port;
        location / {
$(proxy_locations)
            proxy_request_buffering off;
            proxy_buffering off;
        }
    }
    server {
        listen 127.0.0.1:$nginx_buffered_port;
        location / {
$(proxy_locations)
        }
    }
}
CONF
} >"$work/nginx.conf"

"$stream" "$stream_port" "$loops" >"$work/stream.out" 2>&1 & stream_pid=$!
pids+=($stream_pid)
"$proxy" "$proxy_port" "$loops" "127.0.0.1:$stream_port" >"$work/proxy.out" 2>&1 & proxy_pid=$!
pids+=($proxy_pid)
: >"$work/nginx-upload.log"
"$nginx_bin" -c "$work/nginx.conf" -p "$work" & nginx_pid=$!
pids+=($nginx_pid)
for port in $stream_port $proxy_port $nginx_port $nginx_sendfile_port $nginx_proxy_port $nginx_buffered_port; do
    wait_for_port "$port"
done
nginx_workers="$(pgrep -P "$nginx_pid" | tr '\n' ' ')"
[ -n "$nginx_workers" ] || { echo "no nginx worker processes found" >&2; exit 1; }

# Peak memory: `echo 5 > clear_refs` resets VmHWM to the current VmRSS (Linux ≥ 4.0), so
# VmHWM after a transfer minus VmRSS before it is the growth. Without it, sample every 50 ms.
if [ "${PEAK_SAMPLING:-0}" != 1 ] && echo 5 >"/proc/$stream_pid/clear_refs" 2>/dev/null; then peak_method="VmHWM reset by clear_refs"; else peak_method="VmRSS sampled every 50 ms"; fi
status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; } # pid field
sum_over() { local total=0 pid; for pid in $2; do total=$((total + $($1 "$pid"))); done; echo "$total"; } # function pids
rss_kib() { status_kib "$1" VmRSS; }
hwm_kib() { status_kib "$1" VmHWM; }
start_peak() { # pids; leaves the idle RSS in $idle_kib
    local pid
    if [ "$peak_method" = "VmRSS sampled every 50 ms" ]; then
        idle_kib="$(sum_over rss_kib "$1")"
        echo "$idle_kib" >"$work/peak"
        (peak=0; while :; do now="$(sum_over rss_kib "$1")"; [ "$now" -gt "$peak" ] && { peak=$now; echo "$peak" >"$work/peak"; }; sleep 0.05; done) &
        sampler_pid=$!
    else
        for pid in $1; do echo 5 >"/proc/$pid/clear_refs"; done
        idle_kib="$(sum_over rss_kib "$1")"
    fi
}
stop_peak() { # pids; prints the peak RSS (sum over the pids) since start_peak
    if [ "$peak_method" = "VmRSS sampled every 50 ms" ]; then
        kill "$sampler_pid"; wait "$sampler_pid" 2>/dev/null || true
        cat "$work/peak"
    else
        sum_over hwm_kib "$1"
    fi
}

port_of() { case "$1" in engine) echo $stream_port ;; nginx) echo $nginx_port ;; nginx-sendfile) echo $nginx_sendfile_port ;; proxy) echo $proxy_port ;; nginx-proxy) echo $nginx_proxy_port ;; nginx-buffered) echo $nginx_buffered_port ;; esac; }
pids_of() { case "$1" in engine) echo $stream_pid ;; proxy) echo $proxy_pid ;; *) echo "$nginx_workers" ;; esac; }

is_static() { [ "$1" = nginx ] || [ "$1" = nginx-sendfile ]; }
# One transfer; prints "MB/s idle_kib growth_kib verdict" (verdict "ok" or what was wrong).
transfer() { # contestant case size
    local url="http://127.0.0.1:$(port_of "$1")" watched output="" code sent received speed seconds failure answer logged peak verdict
    local format='%{http_code} %{size_upload} %{size_download} %{speed_upload} %{time_total}'
    watched="$(pids_of "$1")"
    logged="$(wc -l <"$work/nginx-upload.log")"
    start_peak "$watched"
    case "$2" in
        download)
            if is_static "$1"; then url="$url/body.bin"; else url="$url/download?bytes=$3"; fi
            output="$(curl -sS -o /dev/null -w "${format/speed_upload/speed_download}" "$url")" || output="$output curl-failed" ;;
        upload)
            output="$(curl -sS -H 'Expect:' -o "$work/answer" -w "$format" -T "$body" "$url/upload")" || output="$output curl-failed" ;;
        chunked)
            output="$(head -c "$3" "$body" | curl -sS -H 'Expect:' -o "$work/answer" -w "$format" -T - "$url/upload")" || output="$output curl-failed" ;;
    esac
    read -r code sent received speed seconds failure <<<"$output"
    verdict=ok
    if [ -n "$failure" ] || [ "$code" != 200 ]; then
        verdict="status ${code:-none} $failure"
    elif [ "$2" = download ]; then
        [ "$received" = "$3" ] || verdict="received $received of $3"
    elif [ "$1" = nginx ]; then
        # nginx answers at once and then reads and discards the body. curl cannot have sent it
        # all (without an error) unless nginx read all but what the kernel buffers hold, and
        # nginx logs the request only once the discarding is over: wait (up to 5 s) for the line.
        [ "$sent" -ge "$3" ] || verdict="sent $sent of $3"
        for _ in $(seq 1 100); do [ "$(wc -l <"$work/nginx-upload.log")" -gt "$logged" ] && break; sleep 0.05; done
        if [ "$(wc -l <"$work/nginx-upload.log")" -gt "$logged" ]; then
            echo "$seconds $(tail -1 "$work/nginx-upload.log")" >>"$work/nginx-discard-times"
        else
            verdict="nginx did not finish the request"
        fi
    else
        answer="$(tr -d '\r\n' <"$work/answer")"
        [ "$answer" = "$3" ] || verdict="StreamServer counted ${answer:-nothing} of $3"
    fi
    peak="$(stop_peak "$watched")"
    echo "$(awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1000000 }') $idle_kib $((peak - idle_kib)) ${verdict// /_}"
}

direct="engine nginx nginx-sendfile"
proxied="proxy nginx-proxy nginx-buffered"
cases="download upload chunked"
runs_case() { [ "$1" != nginx-sendfile ] || [ "$2" = download ]; } # contestant case

rss_at_start="engine $(rss_kib "$stream_pid") KiB, proxy $(rss_kib "$proxy_pid") KiB, nginx workers $(sum_over rss_kib "$nginx_workers") KiB"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "warming up (16 MiB each; the static file whole)..."
cat "$body" >/dev/null
for name in $direct $proxied; do for case in $cases; do
    # A Content-Length upload sends the whole file; the chunked one warms the same path.
    runs_case "$name" "$case" && [ "$case" != upload ] || continue
    size=$((16 * 1024 * 1024))
    ! is_static "$name" || size=$bytes # the static file is sent whole
    result="$(transfer "$name" "$case" "$size")"
    [ "${result##* }" = ok ] || { echo "warm-up $name $case: ${result##* }" >&2; exit 1; }
done; done
for name in $direct $proxied; do for case in $cases; do : >"$work/$name-$case"; done; done

for round in $(seq 1 "$rounds"); do
    for case in $cases; do
        line="round $round $case:"
        for name in $direct $proxied; do
            runs_case "$name" "$case" || continue
            result="$(transfer "$name" "$case" "$bytes")"
            echo "$result" >>"$work/$name-$case"
            read -r speed _ growth verdict <<<"$result"
            line="$line $name $speed MB/s +$((growth / 1024)) MiB $verdict |"
        done
        echo "$line"
    done
done

speed() { awk '{ print $1 }' "$work/$1-$2" | median; }
idle() { head -1 "$work/$1-$2" | awk '{ printf "%.1f", $2 / 1024 }'; }
growth() { awk '{ print $3 }' "$work/$1-$2" | sort -n | tail -1; }
verdicts() { awk '{ print $4 }' "$work/$1-$2" | sort -u | tr '\n' ' ' | sed 's/ $//'; }

echo
echo "median of $rounds rounds, $megabytes MiB per transfer, one curl at a time, $loops loops / nginx workers;"
echo "MB/s = 10^6 bytes/s from curl; RSS of the server or proxy process (nginx: its workers, summed);"
echo "peak growth = the largest over the rounds of (peak RSS during the transfer - RSS just before it), $peak_method."
printf '%-9s %-9s %-16s %8s %14s %15s %16s  %s\n' case path contestant "MB/s" "ours / this" "idle RSS MiB" "peak growth MiB" bytes
failed=0
for case in $cases; do
    for path in direct proxy; do
        [ "$path" = direct ] && group="$direct" ours=engine || { group="$proxied"; ours=proxy; }
        for name in $group; do
            runs_case "$name" "$case" || continue
            if [ "$name" = "$ours" ]; then versus="-"; else versus="$(ratio "$(speed "$ours" "$case")" "$(speed "$name" "$case")")x"; fi
            growth_kib="$(growth "$name" "$case")"
            printf '%-9s %-9s %-16s %8s %14s %15s %16s  %s\n' "$case" "$path" "$name" "$(speed "$name" "$case")" "$versus" \
                "$(idle "$name" "$case")" "$(awk -v g="$growth_kib" 'BEGIN { printf "%.1f", g / 1024 }')" "$(verdicts "$name" "$case")"
            [ "$(verdicts "$name" "$case")" = ok ] || failed=1
            if [ "$name" = "$ours" ] && [ "$growth_kib" -gt $((bound_mib * 1024)) ]; then failed=1; fi
        done
    done
done
# The discarded uploads' timing: nginx logs a request once it has read the whole body.
awk '{ curl += $1; nginx += $2 } END { if (NR) printf "nginx direct uploads: curl finished sending after %.2f s on average, nginx finished reading after %.2f s (its $request_time)\n", curl / NR, nginx / NR }' "$work/nginx-discard-times"
echo "RSS at start: $rss_at_start"
echo "RSS at end:   engine $(rss_kib "$stream_pid") KiB, proxy $(rss_kib "$proxy_pid") KiB, nginx workers $(sum_over rss_kib "$nginx_workers") KiB"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bound checked with CHECK=1: every byte count right, engine's and proxy's peak growth <= $bound_mib MiB: $([ "$failed" = 0 ] && echo met || echo MISSED)"

if [ "${CHECK:-0}" = 1 ]; then
    [ "$failed" = 0 ]
fi
