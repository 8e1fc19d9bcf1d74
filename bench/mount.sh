#!/usr/bin/env bash
# Mount benchmark: the same workloads, in one run, on identical fresh images mounted four ways:
# the kernel's ext4 (loop mount), fuse2fs (e2fsprogs' FUSE driver), ext4j (FUSE, this build)
# twice: over /dev/fuse (-o io_uring=off) and over FUSE io_uring (-o io_uring=on; the fuse module's
# enable_uring is set to Y for the run and put back at exit), and ext4j's fuse3 backend (libfuse3's
# high-level path API, as fuse2fs uses it: --backend fuse3).
#   - fio sequential write of 1 GiB in 1 MiB blocks, fsync at the end
#   - fio sequential read of that file, cold (page cache dropped, file system remounted)
#   - fio random 4 KiB reads (128 MiB worth) and random 4 KiB writes (64 MiB worth, fsync at the end)
#   - 32768 getxattr calls for a missing name: one request each, no work; the round-trip floor
#   - a tree of 5000 small files: cp -a into the mount, stat every file, rm -rf (each made durable);
#     copy and remove run twice, the second time on a mount whose server has warmed up
# Prints seconds, MB/s and ratios against the kernel and fuse2fs, and the ext4j server's peak RSS.
# fsync on ext4j returns only after its journal commit is forced to the image (FileChannel.force).
#
# Usage: bench/mount.sh [WORKDIR]   (root: loop mounts, FUSE mounts, drop_caches)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/ext4j-mbench.XXXXXX)}
ext4j="$top/ext4j"
for tool in fio fuse2fs; do
  command -v "$tool" >/dev/null || { echo "installing $tool"; apt-get install -y -q "${tool/fuse2fs/fuse2fs}" >/dev/null; }
done
mkdir -p "$work/mnt"
cd "$work"
uring_knob=/sys/module/fuse/parameters/enable_uring
[ -w "$uring_knob" ] || { echo "$uring_knob is missing: FUSE over io_uring needs Linux 6.14+ with CONFIG_FUSE_IO_URING" >&2; exit 1; }
uring_before=$(cat "$uring_knob")
trap 'echo "$uring_before" > "$uring_knob"' EXIT
echo Y > "$uring_knob"
"$ext4j" --help >/dev/null   # build once, outside the timings

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
# sync(2) does not reach a FUSE server on this kernel (only virtiofs gets FUSE_SYNCFS), so each
# tree step ends with an fsync of a directory too: FSYNCDIR makes ext4j and fuse2fs write
# everything, and costs the kernel next to nothing after its sync.
durable() { sync; sync "$1"; }   # coreutils' sync FILE: an fsync of FILE (here a directory)

[ -d tree ] || python3 "$top/bench/tree.py" tree

server_pid=""
mount_it() { # KIND IMAGE
  case $1 in
    kernel) mount -o loop "$2" mnt ;;
    fuse2fs) fuse2fs -o allow_other "$2" "$work/mnt" >/dev/null ;;
    ext4j-dev) server_pid=$("$ext4j" mount -o io_uring=off "$2" "$work/mnt" | sed -n 's/.*server pid \([0-9]*\).*/\1/p') ;;
    ext4j-uring) server_pid=$("$ext4j" mount -o io_uring=on "$2" "$work/mnt" | sed -n 's/.*server pid \([0-9]*\).*/\1/p') ;;
    fuse3) server_pid=$("$ext4j" mount --backend fuse3 "$2" "$work/mnt" | sed -n 's/.*server pid \([0-9]*\).*/\1/p') ;;
  esac
}
umount_it() { # KIND
  umount mnt
  if [ "$1" != kernel ]; then
    # umount of a FUSE mount returns before the server has written everything: wait for it.
    for _ in $(seq 1 600); do pgrep -f "(org.ext4j.dist.Main mount|fuse2fs).*$work" >/dev/null || break; sleep 0.1; done
  fi
}
peak_rss_kb=0
sample_rss() {
  if [ -n "$server_pid" ] && [ -r "/proc/$server_pid/status" ]; then
    local hwm; hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
    [ "${hwm:-0}" -gt "$peak_rss_kb" ] && peak_rss_kb=$hwm
  fi
  return 0
}
fio_run() { # NAME ARGS... -> prints seconds
  fio --output-format=terse --terse-version=3 --name="$1" --directory=mnt "${@:2}" >/dev/null
}

declare -A t rss
for kind in kernel fuse2fs ext4j-dev ext4j-uring fuse3; do
  rm -f "$kind.img"; mkfs.ext4 -q -F "$kind.img" 2G; peak_rss_kb=0
  mount_it "$kind" "$work/$kind.img"
  s=$(now); fio_run seqwrite --rw=write --bs=1M --size=1G --filename=big --end_fsync=1 --ioengine=psync
  t[$kind,seqwrite]=$(elapsed "$s"); sample_rss
  umount_it "$kind"; drop; mount_it "$kind" "$work/$kind.img"
  s=$(now); fio_run seqread --rw=read --bs=1M --size=1G --filename=big --ioengine=psync
  t[$kind,seqread]=$(elapsed "$s"); sample_rss
  s=$(now); fio_run randread --rw=randread --bs=4k --size=1G --io_size=128M --filename=big --ioengine=psync --randseed=7
  t[$kind,randread]=$(elapsed "$s"); sample_rss
  # The cost of one request that does no work (a missing xattr: FUSE caches no xattrs), the floor
  # under every workload that needs one round trip per system call.
  s=$(now); python3 -c 'import os, sys
for _ in range(32768):
    try: os.getxattr(sys.argv[1], "user.none")
    except OSError: pass' mnt/big
  t[$kind,roundtrip]=$(elapsed "$s"); sample_rss
  s=$(now); fio_run randwrite --rw=randwrite --bs=4k --size=1G --io_size=64M --filename=big --end_fsync=1 --ioengine=psync --randseed=7
  t[$kind,randwrite]=$(elapsed "$s"); sample_rss
  s=$(now); cp -a tree mnt/; durable mnt/tree; t[$kind,treecopy]=$(elapsed "$s"); sample_rss
  # The same copy again on the same mount: for ext4j, a server whose JIT has compiled the paths.
  s=$(now); cp -a tree mnt/tree2; durable mnt/tree2; t[$kind,treecopy2]=$(elapsed "$s"); sample_rss
  umount_it "$kind"; drop; mount_it "$kind" "$work/$kind.img"
  s=$(now); find mnt/tree -type f -exec stat -c '%s' {} + >/dev/null; t[$kind,treestat]=$(elapsed "$s"); sample_rss
  s=$(now); rm -rf mnt/tree; durable mnt; t[$kind,treerm]=$(elapsed "$s"); sample_rss
  s=$(now); rm -rf mnt/tree2; durable mnt; t[$kind,treerm2]=$(elapsed "$s"); sample_rss
  umount_it "$kind"
  e2fsck -fn "$kind.img" >/dev/null || echo "WARNING: e2fsck -fn found problems in the $kind image"
  rss[$kind]=$peak_rss_kb
done


printf '\n%-34s %8s %8s %8s %8s %8s %9s %9s\n' "workload (seconds)" "kernel" "fuse2fs" "ext4j" "ext4j" "uring" "ext4j/" "uring vs"
printf '%-34s %8s %8s %8s %8s %8s %9s %9s\n' "" "" "" "dev" "uring" "speedup" "kernel" "fuse2fs"
row() { # LABEL KEY
  local k=${t[kernel,$2]} f=${t[fuse2fs,$2]} d=${t[ext4j-dev,$2]} u=${t[ext4j-uring,$2]}
  printf '%-34s %8.2f %8.2f %8.2f %8.2f %7.2fx %8.0f%% %8.2fx\n' "$1" "$k" "$f" "$d" "$u" "$(echo "$d / $u" | bc -l)" \
    "$(echo "100 * $k / $u" | bc -l)" "$(echo "$f / $u" | bc -l)"
}
row "fio seq write 1 GiB (1 MiB, fsync)" seqwrite
row "fio seq read 1 GiB, cold" seqread
row "fio rand read 4 KiB x 32768" randread
row "fio rand write 4 KiB x 16384, fsync" randwrite
row "getxattr (missing) x 32768" roundtrip
row "cp -a 5000 files + sync" treecopy
row "cp -a 5000 files again (same mount)" treecopy2
row "stat 5000 files, cold" treestat
row "rm -rf 5000 files + sync" treerm
row "rm -rf 5000 files again (same mount)" treerm2
echo "(uring speedup: ext4j over /dev/fuse time / ext4j over io_uring time; ext4j/kernel: kernel time / ext4j-uring time,"
echo " 100% = as fast as the kernel; uring vs fuse2fs: fuse2fs time / ext4j-uring time, above 1 = faster than fuse2fs)"
printf 'ext4j server peak RSS: %d MB (/dev/fuse), %d MB (io_uring)\n' $((${rss[ext4j-dev]:-0} / 1024)) $((${rss[ext4j-uring]:-0} / 1024))
printf 'fuse3 backend peak RSS: %d MB\n' $((${rss[fuse3]:-0} / 1024))

# The fuse3 backend beside the two FUSE servers it is measured against: fuse2fs, the other
# libfuse3 path server, and ext4j's own Linux backend (over /dev/fuse).
printf '\n%-34s %9s %9s %9s %12s %12s\n' "workload (seconds)" "fuse2fs" "ext4j" "fuse3" "vs fuse2fs" "vs ext4j"
row3() { # LABEL KEY
  local f=${t[fuse2fs,$2]} e=${t[ext4j-dev,$2]} g=${t[fuse3,$2]}
  printf '%-34s %9.2f %9.2f %9.2f %11.2fx %11.2fx\n' "$1" "$f" "$e" "$g" "$(echo "$f / $g" | bc -l)" "$(echo "$e / $g" | bc -l)"
}
row3 "fio seq write 1 GiB (1 MiB, fsync)" seqwrite
row3 "fio seq read 1 GiB, cold" seqread
row3 "fio rand read 4 KiB x 32768" randread
row3 "fio rand write 4 KiB x 16384, fsync" randwrite
row3 "getxattr (missing) x 32768" roundtrip
row3 "cp -a 5000 files + sync" treecopy
row3 "cp -a 5000 files again (same mount)" treecopy2
row3 "stat 5000 files, cold" treestat
row3 "rm -rf 5000 files + sync" treerm
row3 "rm -rf 5000 files again (same mount)" treerm2
echo "(fuse3 vs fuse2fs / vs ext4j: how many times faster the fuse3 backend is; 1.5x = takes two thirds of the time)"
