#!/usr/bin/env bash
# Renders every committed picture in a headless browser and fails if one does not draw.
#
# For each SVG in docs/pictures/ and docs/benchmarks/: check it is well-formed XML (a broken file
# would otherwise render as the browser's error page, which is not blank), screenshot it with
# Debian's `chromium --headless` at the size the SVG declares, then check the PNG: it exists, has
# that size, and is not blank (at least two colours, and some pixels other than the background).
# The PNG check decodes the file with Python's standard library only (zlib), no packages.
#
# Usage: Tools/check-pictures-render.sh             check, throw the screenshots away
#        Tools/check-pictures-render.sh --keep DIR  check, and leave the screenshots in DIR
# Needs chromium (Debian: apt-get install chromium) and python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
keep=
case "${1:-}" in
  "") ;;
  --keep) keep=${2:?"--keep needs a directory"} ;;
  *) echo "usage: Tools/check-pictures-render.sh [--keep DIR]" >&2; exit 2 ;;
esac
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "chromium not found; install it (Debian: apt-get install chromium)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
output=${keep:-$work/png}
mkdir -p "$output"

shopt -s nullglob
failed=0
for svg in docs/pictures/*.svg docs/benchmarks/*.svg; do
  name=$(basename "$svg" .svg)
  png="$output/$name.png"
  # Width and height from the root element; well-formedness checked on the way.
  if ! size=$(python3 - "$svg" <<'PYTHON'
import sys, xml.etree.ElementTree as tree
try:
    root = tree.parse(sys.argv[1]).getroot()
    print(f"{int(float(root.get('width')))},{int(float(root.get('height')))}")
except (tree.ParseError, TypeError, ValueError) as error:
    sys.exit(f"{sys.argv[1]}: {error}")
PYTHON
  ); then
    echo "$svg: not a well-formed SVG with a width and height" >&2
    failed=1
    continue
  fi
  # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start. A fresh profile per
  # run keeps state from one screenshot out of the next.
  if ! timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
      --window-size="$size" --screenshot="$png" "file://$root/$svg" >"$work/$name.log" 2>&1; then
    echo "$svg: chromium failed:" >&2
    tail -5 "$work/$name.log" >&2
    failed=1
    continue
  fi
  if ! python3 - "$png" "$size" <<'PYTHON'
import collections, struct, sys, zlib

path, size = sys.argv[1], sys.argv[2]
expected = tuple(int(part) for part in size.split(","))
data = open(path, "rb").read()
if len(data) < 8 or data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"{path}: empty or not a PNG ({len(data)} bytes)")
chunks, offset = {}, 8
idat = b""
while offset < len(data):
    length, kind = struct.unpack(">I4s", data[offset:offset + 8])
    body = data[offset + 8:offset + 8 + length]
    if kind == b"IHDR":
        chunks["IHDR"] = body
    elif kind == b"IDAT":
        idat += body
    offset += 12 + length
width, height, depth, colour_type = struct.unpack(">IIBB", chunks["IHDR"][:10])
if (width, height) != expected:
    sys.exit(f"{path}: {width}x{height}, expected {expected[0]}x{expected[1]}")
channels = {2: 3, 6: 4}.get(colour_type)
if depth != 8 or channels is None:
    sys.exit(f"{path}: unexpected PNG format (depth {depth}, colour type {colour_type})")
raw = zlib.decompress(idat)
stride = width * channels
previous = bytearray(stride)
counts = collections.Counter()
position = 0
for _ in range(height):
    kind = raw[position]
    row = bytearray(raw[position + 1:position + 1 + stride])
    position += 1 + stride
    # PNG's five row filters (RFC 2083, section 6), undone; Up needs no left neighbour, so it
    # runs as one pass over the two rows (the common filter, and the loop below is the slow part).
    if kind == 2:
        row = bytearray((byte + up) & 0xFF for byte, up in zip(row, previous))
        kind = 0
    for index in range(stride if kind else 0):
        left = row[index - channels] if index >= channels else 0
        up = previous[index]
        corner = previous[index - channels] if index >= channels else 0
        if kind == 1:
            row[index] = (row[index] + left) & 0xFF
        elif kind == 2:
            row[index] = (row[index] + up) & 0xFF
        elif kind == 3:
            row[index] = (row[index] + (left + up) // 2) & 0xFF
        elif kind == 4:
            estimate = left + up - corner
            distances = (abs(estimate - left), abs(estimate - up), abs(estimate - corner))
            predictor = left if distances[0] <= distances[1] and distances[0] <= distances[2] else (up if distances[1] <= distances[2] else corner)
            row[index] = (row[index] + predictor) & 0xFF
    counts.update(zip(row[0::channels], row[1::channels], row[2::channels]))
    previous = row
background, most = max(counts.items(), key=lambda item: item[1])
drawn = width * height - most
# A picture is lines and text on white: blank is one colour, or next to nothing drawn.
if len(counts) < 2 or drawn < width * height // 200:
    sys.exit(f"{path}: blank ({len(counts)} colours, {drawn} pixels differ from the background)")
PYTHON
  then
    failed=1
    continue
  fi
  echo "rendered $svg ($size)"
done
exit "$failed"
