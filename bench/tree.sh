#!/usr/bin/env bash
# The tree steps of bench/mount.sh alone, for fuse2fs and ext4j over /dev/fuse and io_uring,
# interleaved, RUNS times each: 5 000 small files (the same tree) copied in twice, the image
# remounted with the page cache dropped, stat of every file of the first copy, then rm -rf of each
# copy followed by an fsync of the mount's root. Prints seconds per step and the server's CPU
# seconds for it (utime + stime of the server process), then the median of each.
# With TRACE=1 the first rm -rf of each run is also traced with the kernel's FUSE tracepoints and
# the request latencies per opcode are printed (needs perf).
#
# Usage: bench/tree.sh [RUNS] [WORKDIR]   (root: FUSE mounts, drop_caches)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
work=${2:-$(mktemp -d /tmp/ext4j-tbench.XXXXXX)}
ext4j="$top/ext4j"
command -v fuse2fs >/dev/null || apt-get install -y -q fuse2fs >/dev/null
if [ -n "${TRACE:-}" ] && ! command -v perf >/dev/null; then apt-get install -y -q linux-perf >/dev/null; fi
uring_knob=/sys/module/fuse/parameters/enable_uring
uring_before=$(cat "$uring_knob")
trap 'echo "$uring_before" > "$uring_knob"' EXIT
echo Y > "$uring_knob"
"$ext4j" --help >/dev/null   # build once, outside the timings
mkdir -p "$work/mnt"
cd "$work"
[ -d tree ] || python3 "$top/bench/tree.py" tree

now() { date +%s.%N; }
durable() { sync; sync "$1"; }   # coreutils' sync FILE: an fsync of FILE (here a directory)
pid=""
mount_it() {
  case $1 in
    fuse2fs) fuse2fs -o allow_other "$work/img" "$work/mnt" >/dev/null; pid=$(pgrep -f "fuse2fs.*$work/img" | head -1) ;;
    ext4j-dev) pid=$("$ext4j" mount -o io_uring=off "$work/img" "$work/mnt" | sed -n 's/.*server pid \([0-9]*\).*/\1/p') ;;
    ext4j-uring) pid=$("$ext4j" mount -o io_uring=on "$work/img" "$work/mnt" | sed -n 's/.*server pid \([0-9]*\).*/\1/p') ;;
  esac
}
umount_it() {
  umount mnt
  for _ in $(seq 1 600); do pgrep -f "(org.ext4j.dist.Main mount|fuse2fs).*$work" >/dev/null || break; sleep 0.1; done
}
cpu() { awk '{ print ($14 + $15) / 100 }' "/proc/$pid/stat"; }
step() { # NAME COMMAND... : prints "NAME seconds cpu"
  local name=$1 s c; shift
  c=$(cpu); s=$(now); "$@"; echo "$name $(echo "$(now) - $s" | bc -l) $(echo "$(cpu) - $c" | bc -l)"
}
rm_durable() { rm -rf "$1"; durable mnt; }
latencies() { # per-opcode latency of the FUSE requests in perf's recording
  perf script -i "$work/fuse.data" 2>/dev/null | python3 -c '
import re, sys, statistics, collections
sent, lat = {}, collections.defaultdict(list)
for line in sys.stdin:
    m = re.search(r"\s(\d+\.\d+):\s+fuse:fuse_request_(send|end): connection \d+ req (\d+)(?: opcode \d+ \((\w+)\))?", line)
    if not m:
        continue
    t, req = float(m.group(1)), m.group(3)
    if m.group(2) == "send":
        sent[req] = (t, m.group(4))
    elif req in sent:
        t0, op = sent.pop(req)
        lat[op].append((t - t0) * 1e6)
for op, v in sorted(lat.items(), key=lambda x: -sum(x[1])):
    v.sort()
    print(f"    {op:18} n={len(v):5} median {v[len(v) // 2]:6.0f} us  mean {statistics.mean(v):6.0f} us  p99 {v[len(v) * 99 // 100]:6.0f} us")
'
}

: > results
for run in $(seq 1 "$runs"); do
  for kind in fuse2fs ext4j-dev ext4j-uring; do
    rm -f img; mkfs.ext4 -q -F img 2G >/dev/null
    mount_it $kind; cp -a tree mnt/; cp -a tree mnt/tree2; durable mnt; umount_it
    sync; echo 3 > /proc/sys/vm/drop_caches
    mount_it $kind
    step "$kind stat" find mnt/tree -type f -exec stat -c %s {} + >/dev/null
    if [ -n "${TRACE:-}" ]; then
      perf record -q -a -e fuse:fuse_request_send -e fuse:fuse_request_end -o "$work/fuse.data" >/dev/null 2>&1 &
      perf_pid=$!; sleep 1
    fi
    step "$kind rm1" rm_durable mnt/tree
    if [ -n "${TRACE:-}" ]; then kill -INT $perf_pid; wait $perf_pid || true; latencies >&2; fi
    step "$kind rm2" rm_durable mnt/tree2
    umount_it
    e2fsck -fn img >/dev/null 2>&1 || echo "WARNING: e2fsck -fn found problems in the $kind image" >&2
  done | tee -a results
done
echo "medians (seconds, server CPU seconds) over $runs runs:"
python3 - results <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    kind, stepname, secs, cpu = line.split()
    rows[(kind, stepname)].append((float(secs), float(cpu)))
for (kind, stepname), v in sorted(rows.items(), key=lambda x: (x[0][1], x[0][0])):
    print(f"  {stepname:5} {kind:12} {statistics.median(s for s, _ in v):6.2f} s  cpu {statistics.median(c for _, c in v):5.2f} s")
PY
