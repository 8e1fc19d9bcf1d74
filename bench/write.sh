#!/usr/bin/env bash
# Write-path benchmark: copy a tree of small files and one 1 GiB file INTO identical fresh
# images with `ext4j cp -r` and with `cp -a` into a kernel loop mount (plus sync), in one run.
# Prints times and ratios (kernel = 1.00); after each ext4j copy, e2fsck -fn must be clean.
#
# Usage: bench/write.sh [WORKDIR]   (needs root for the loop mount)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/ext4j-wbench.XXXXXX)}
ext4j="$top/ext4j"
mkdir -p "$work"
cd "$work"

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }
fresh() { rm -f "$1"; mkfs.ext4 -q -F "$1" "$2"; }

"$ext4j" --help >/dev/null   # build once, outside the timings

echo "# source: 5000 and 50000 small files (100 per directory), and one 1 GiB file"
make_tree() { # DIR DIRECTORIES: 100 files of 1..8192 random bytes per directory
  rm -rf "$1" && mkdir -p "$1"
  python3 - "$1" "$2" <<'PY'
import os, random, sys
root, dirs = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
for d in range(dirs):
    os.makedirs(f"{root}/d{d}")
    for f in range(100):
        with open(f"{root}/d{d}/f{f}", "wb") as out:
            out.write(rnd.randbytes(rnd.randint(1, 8192)))
PY
}
make_tree small 50
make_tree many 500
rm -rf big && mkdir -p big && head -c 1G /dev/urandom > big/big.bin
sync

declare -A t
mkdir -p mnt
fresh k1.img 512M; mount -o loop k1.img mnt
s=$(now); cp -a small mnt/; sync; t[ksmall]=$(elapsed "$s"); umount mnt
fresh e1.img 512M
s=$(now); "$ext4j" cp -r -p small e1.img:/ ; t[esmall]=$(elapsed "$s")
e2fsck -fn e1.img >/dev/null

fresh k3.img 1G; mount -o loop k3.img mnt
s=$(now); cp -a many mnt/; sync; t[kmany]=$(elapsed "$s"); umount mnt
fresh e3.img 1G
s=$(now); "$ext4j" cp -r -p many e3.img:/ ; t[emany]=$(elapsed "$s")
e2fsck -fn e3.img >/dev/null

fresh k2.img 1400M; mount -o loop k2.img mnt
s=$(now); cp -a big/big.bin mnt/; sync; t[kbig]=$(elapsed "$s"); umount mnt
fresh e2.img 1400M
s=$(now); "$ext4j" cp big/big.bin e2.img:/ ; t[ebig]=$(elapsed "$s")
e2fsck -fn e2.img >/dev/null
cmp big/big.bin <(debugfs -R "cat /big.bin" e2.img 2>/dev/null)

printf '\n%-46s %10s %8s %12s\n' "workload" "seconds" "ratio" "throughput"
printf '%-46s %10.2f %8s\n' "5000 small files: cp -a to kernel ext4 + sync" "${t[ksmall]}" "1.00"
printf '%-46s %10.2f %8.2f  (%.0f%% of kernel)\n' "5000 small files: ext4j cp -r -p" "${t[esmall]}" \
  "$(echo "${t[esmall]} / ${t[ksmall]}" | bc -l)" "$(echo "100 * ${t[ksmall]} / ${t[esmall]}" | bc -l)"
printf '%-46s %10.2f %8s\n' "50000 small files: cp -a to kernel ext4 + sync" "${t[kmany]}" "1.00"
printf '%-46s %10.2f %8.2f  (%.0f%% of kernel)\n' "50000 small files: ext4j cp -r -p" "${t[emany]}" \
  "$(echo "${t[emany]} / ${t[kmany]}" | bc -l)" "$(echo "100 * ${t[kmany]} / ${t[emany]}" | bc -l)"
printf '%-46s %10.2f %8s %9.0f MB/s\n' "1 GiB file: cp -a to kernel ext4 + sync" "${t[kbig]}" "1.00" "$(echo "1073.7 / ${t[kbig]}" | bc -l)"
printf '%-46s %10.2f %8.2f %9.0f MB/s\n' "1 GiB file: ext4j cp" "${t[ebig]}" \
  "$(echo "${t[ebig]} / ${t[kbig]}" | bc -l)" "$(echo "1073.7 / ${t[ebig]}" | bc -l)"
echo "(ext4j rows include JVM start-up and JIT warm-up; the images have a journal, which ext4j writes)"
