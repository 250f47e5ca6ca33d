#!/usr/bin/env bash
# Regenerates every command transcript in the walkthroughs from a real run, so none can drift
# from the code. A transcript is a script in Stages/transcripts/NAME.sh; a walkthrough places it
# with a marker line followed by a code block, which this script owns:
#
#   <!-- transcript: NAME -->            the script's whole output
#   <!-- transcript: NAME part 2 -->     the second block, where the script calls `next_block`
#
# Volatile text (dates, timings, counts that differ between runs) is not blanked in the
# walkthrough — a reader should see a real run — but a script names it with `# mask: REGEX`
# lines, and --check compares committed and fresh output with those matches masked.
#
# Usage: Stages/make-transcripts.sh          rebuild the demos, rerun every script, rewrite blocks
#        Stages/make-transcripts.sh --check  fail if a committed block no longer matches (CI)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mode=${1:-write}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The products transcripts run; V2Demo shows a race, which only a release build shows reliably.
swift build --product V1Demo >/dev/null
swift build --product V3DemoServer >/dev/null
swift build --product V4DemoServer >/dev/null
swift build --product V5RateLimitProxy >/dev/null
swift build --build-tests >/dev/null
if ls Sources/V2Demo >/dev/null 2>&1; then swift build -c release --product V2Demo >/dev/null; fi

for script in Stages/transcripts/*.sh; do
  name=$(basename "$script" .sh)
  [ "$name" = lib ] && continue
  # A subshell per script: each starts from a clean environment and stops its own server.
  if ! (export TRANSCRIPT_ROOT="$root"; source Stages/transcripts/lib.sh; source "$script") > "$work/$name.out" 2> "$work/$name.err"; then
    echo "transcript $name failed:" >&2; cat "$work/$name.err" "$work/$name.out" >&2; exit 1
  fi
done

python3 - "$mode" "$work" <<'PYTHON'
import pathlib, re, sys

mode, work = sys.argv[1], pathlib.Path(sys.argv[2])
marker = re.compile(r'^<!-- transcript: ([\w-]+)(?: part (\d+))? -->$')
masks_cache = {}

def parts(name):
    return (work / f'{name}.out').read_text().rstrip('\n').split('\n%%\n')

def masks(name):
    if name not in masks_cache:
        lines = pathlib.Path(f'Stages/transcripts/{name}.sh').read_text().splitlines()
        masks_cache[name] = [re.compile(l.split('# mask: ', 1)[1], re.M) for l in lines if l.startswith('# mask: ')]
    return masks_cache[name]

def masked(name, text):
    for pattern in masks(name):
        text = pattern.sub('<varies>', text)
    return text

stale = False
for page in sorted(pathlib.Path('Stages').glob('*.md')):
    lines = page.read_text().split('\n')
    out, i, changed = [], 0, False
    while i < len(lines):
        out.append(lines[i])
        found = marker.match(lines[i])
        if not found:
            i += 1
            continue
        name, part = found.group(1), int(found.group(2) or 1)
        if not (work / f'{name}.out').exists():
            sys.exit(f'{page}: no transcript script Stages/transcripts/{name}.sh')
        if i + 1 >= len(lines) or not lines[i + 1].startswith('```'):
            sys.exit(f'{page}:{i + 1}: a transcript marker must be followed by a code block')
        end = next((j for j in range(i + 2, len(lines)) if lines[j] == '```'), None)
        if end is None:
            sys.exit(f'{page}:{i + 2}: unterminated code block')
        committed = '\n'.join(lines[i + 2:end])
        fresh = parts(name)[part - 1]
        if masked(name, committed) != masked(name, fresh):
            changed = True
            if mode == '--check':
                print(f'{page}:{i + 1}: transcript {name} part {part} no longer matches a real run:', file=sys.stderr)
                print('--- committed\n' + masked(name, committed) + '\n--- fresh\n' + masked(name, fresh), file=sys.stderr)
        out += [lines[i + 1]] + ([fresh] if mode != '--check' else [committed]) + ['```']
        i = end + 1
    if changed:
        stale = True
        if mode != '--check':
            page.write_text('\n'.join(out))
            print(f'rewrote {page}')
if mode == '--check' and stale:
    sys.exit('transcripts are stale: run Stages/make-transcripts.sh and commit the result')
PYTHON
