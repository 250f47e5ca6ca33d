# Sourced by Stages/make-transcripts.sh before each transcript script. The scripts are written
# as the commands a reader types; these functions run them and print what the reader would see.

# `swift run [-c release] Product …` runs the product make-transcripts.sh built, so a transcript
# shows the program's output and not the build's progress lines.
swift() {
  if [ "$1" != run ]; then command swift "$@"; return; fi
  shift
  local configuration=debug
  if [ "$1" = -c ]; then configuration=$2; shift 2; fi
  local product=$1; shift
  "$TRANSCRIPT_ROOT/.build/$configuration/$product" "$@"
}

# Prints `$ command` and runs it, its standard error merged into the transcript.
shown() {
  printf '$ %s\n' "$1"
  eval "$1" 2>&1
}

# Starts a server in the background as `shown` would, prints its output up to the line that
# says it is listening, and stops it when the script ends. A script may start several; a
# command ending in ` &` (as a reader starting two would type it) is shown with it.
TRANSCRIPT_SERVERS=""
serve() {
  printf '$ %s\n' "$1"
  # Servers share ports (SO_REUSEPORT), so a leftover one would silently answer half the requests.
  if [ -z "$TRANSCRIPT_SERVERS" ] && curl -s -o /dev/null --max-time 1 http://127.0.0.1:8080/; then
    echo "a server already answers on 127.0.0.1:8080; stop it first" >&2; exit 1
  fi
  local log server
  log=$(mktemp)
  eval "${1% &}" > "$log" 2>&1 &
  server=$!
  TRANSCRIPT_SERVERS="$TRANSCRIPT_SERVERS $server"
  # Each background job is a subshell running the server as its child: stop both.
  trap 'for server in $TRANSCRIPT_SERVERS; do pkill -P $server 2>/dev/null || true; kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; done' EXIT
  for _ in $(seq 200); do
    grep -q listening "$log" && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
  done
  grep -q listening "$log" || { cat "$log" >&2; echo "server did not start: $1" >&2; exit 1; }
  cat "$log"
}

# Ends one code block of the transcript and starts the next (the walkthrough puts prose between).
next_block() { echo '%%'; }
