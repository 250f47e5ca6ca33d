# Summarises a heaptrack flame-graph stack file: allocations per request by the innermost
# frame in the project's modules (HTTPEngine, ReverseProxy), with that frame's caller.
# Usage: heaptrack_print --flamegraph-cost-type allocations -F stacks.txt FILE.zst
#        python3 allocations-by-site.py stacks.txt REQUESTS [rows]
import sys, subprocess, collections
path, requests = sys.argv[1], float(sys.argv[2])
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 40
rows = []
for line in open(path):
    stack, _, count = line.rstrip('\n').rpartition(' ')
    rows.append((stack.split(';'), int(count)))
allsyms = sorted({f for frames, _ in rows for f in frames})
dem = subprocess.run(['swift-demangle', '--simplified', '--compact'], input='\n'.join(allsyms), capture_output=True, text=True).stdout.splitlines()
name = dict(zip(allsyms, dem))
def ours(sym): return '10HTTPEngine' in sym or '12ReverseProxy' in sym
sites = collections.Counter()
for frames, count in rows:
    # root first, leaf last
    idx = [i for i, f in enumerate(frames) if ours(f)]
    if not idx:
        sites[('(runtime) ' + name[frames[-1]][:60], '')] += count; continue
    leaf = idx[-1]
    caller = idx[-2] if len(idx) > 1 else None
    sites[(name[frames[leaf]][:110], name[frames[caller]][:70] if caller is not None else '')] += count
total = sum(sites.values())
print(f"total {total} allocations over {int(requests)} requests: {total/requests:.2f} per request")
for (site, caller), c in sites.most_common(limit):
    print(f"{c/requests:6.2f}  {site}   <- {caller}")
