#!/usr/bin/env bash
# Read-path benchmark: copy a tree out of an image with `ext4j cp -r` and with `debugfs rdump`,
# read one large file with `ext4j cat`, `debugfs dump` and `cat` on a kernel loop mount, and time
# `ext4j info` on a 16 TiB sparse image. Prints a table of times and ratios (debugfs = 1.00).
#
# Usage: bench/read.sh [WORKDIR]   (needs root for the kernel mount and drop_caches)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/ext4j-bench.XXXXXX)}
ext4j="$top/ext4j"
mkdir -p "$work"
cd "$work"

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }

"$ext4j" --help >/dev/null   # builds the jar once, outside the timings

echo "# building the source tree (5000 small files in 50 dirs, one 1 GiB file)"
rm -rf tree && mkdir -p tree/small
for d in $(seq 1 50); do
  mkdir -p tree/small/d$d
  for f in $(seq 1 100); do head -c $((RANDOM % 8192 + 1)) /dev/urandom > tree/small/d$d/f$f; done
done
head -c 1G /dev/urandom > big.bin
rm -f small.img big.img
mkfs.ext4 -q -F -d tree small.img 256M
mkdir -p bigtree && mv big.bin bigtree/
mkfs.ext4 -q -F -d bigtree big.img 1200M

declare -A t
drop_caches; s=$(now); rm -rf out1 && mkdir out1 && debugfs -R "rdump /small out1" small.img >/dev/null 2>&1; t[rdump]=$(elapsed "$s")
drop_caches; s=$(now); rm -rf out2 && mkdir out2 && "$ext4j" cp -r small.img:/small out2/ ; t[cp]=$(elapsed "$s")
diff -r out1/small out2/small >/dev/null || { echo "copies differ!" >&2; exit 1; }

drop_caches; s=$(now); debugfs -R "dump /big.bin /dev/stdout" big.img 2>/dev/null > /dev/null; t[dump]=$(elapsed "$s")
drop_caches; s=$(now); "$ext4j" cat big.img:/big.bin > /dev/null; t[cat]=$(elapsed "$s")
mkdir -p mnt; mount -o loop,ro big.img mnt
drop_caches; s=$(now); cat mnt/big.bin > /dev/null; t[kcat]=$(elapsed "$s")
umount mnt

huge=/dev/shm/ext4j-bench-huge.img   # tmpfs: a host ext4 cannot hold a 16 TiB file
rm -f "$huge"; truncate -s 16T "$huge"; mkfs.ext4 -q -F "$huge"
s=$(now); "$ext4j" info "$huge" > /dev/null; t[info16t]=$(elapsed "$s")
s=$(now); "$ext4j" info small.img > /dev/null; t[infosmall]=$(elapsed "$s")
rm -f "$huge"

printf '\n%-44s %10s %8s\n' "workload" "seconds" "ratio"
printf '%-44s %10.2f %8s\n' "tree out: debugfs rdump (5000 files)" "${t[rdump]}" "1.00"
printf '%-44s %10.2f %8.2f\n' "tree out: ext4j cp -r" "${t[cp]}" "$(echo "${t[cp]} / ${t[rdump]}" | bc -l)"
printf '%-44s %10.2f %8s\n' "1 GiB file: debugfs dump" "${t[dump]}" "1.00"
printf '%-44s %10.2f %8.2f\n' "1 GiB file: ext4j cat" "${t[cat]}" "$(echo "${t[cat]} / ${t[dump]}" | bc -l)"
printf '%-44s %10.2f %8.2f\n' "1 GiB file: cat on kernel ext4 (loop)" "${t[kcat]}" "$(echo "${t[kcat]} / ${t[dump]}" | bc -l)"
printf '%-44s %10.2f %8s\n' "ext4j info, 256 MiB image" "${t[infosmall]}" "1.00"
printf '%-44s %10.2f %8.2f\n' "ext4j info, 16 TiB sparse image" "${t[info16t]}" "$(echo "${t[info16t]} / ${t[infosmall]}" | bc -l)"
echo "(ratio = time / baseline time in the row above it; lower is faster; JVM start-up included in every ext4j row)"
