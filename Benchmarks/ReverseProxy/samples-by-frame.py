# Reads `perf script -F comm,ip,sym,dso` (recorded with call chains) on stdin and prints the
# share of samples by the innermost frame in BINARY (its own code plus the Swift runtime, libc
# and kernel work it called), symbolised with llvm-symbolizer: this perf does not read the
# binary's symbols ("build id not found").
# Usage: perf script -i perf.data -F comm,ip,sym,dso | python3 samples-by-frame.py BINARY [rows]
import sys, subprocess, collections, re
binary = sys.argv[1]
samples = []
cur = []
for line in sys.stdin:
    line = line.rstrip('\n')
    if not line.strip():
        if cur: samples.append(cur); cur = []
        continue
    if not line.startswith((' ', '\t')):
        if cur: samples.append(cur)
        cur = []
        continue
    m = re.match(r'\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)$', line)
    if m: cur.append((m.group(1), m.group(2), m.group(3)))
if cur: samples.append(cur)
name = binary.split('/')[-1]
total = len(samples)
leaf_in_kernel = sum(1 for s in samples if s and 'kernel' in s[0][2])
addrs = set()
attributed = []
for s in samples:
    frame = next((f for f in s if f[2].endswith(name)), None)
    attributed.append(frame[0] if frame else None)
    if frame: addrs.add(frame[0])
addrs = sorted(addrs)
out = subprocess.run(['llvm-symbolizer', '--obj=' + binary, '--functions=linkage', '--no-inlines', '--output-style=GNU'], input='\n'.join('0x' + a for a in addrs), capture_output=True, text=True).stdout.split('\n')
syms = {}
for i, a in enumerate(addrs):
    syms[a] = out[2 * i] if 2 * i < len(out) else '?'
dem = subprocess.run(['swift-demangle', '--simplified', '--compact'], input='\n'.join(syms[a] for a in addrs), capture_output=True, text=True).stdout.split('\n')
for i, a in enumerate(addrs): syms[a] = dem[i]
counter = collections.Counter(syms[a] if a else '(no frame in the binary)' for a in attributed)
print(f"{total} samples, {100*leaf_in_kernel/total:.1f}% with the kernel as leaf")
for sym, c in counter.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 30):
    print(f"{100*c/total:5.1f}%  {sym[:140]}")
