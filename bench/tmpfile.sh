#!/usr/bin/env bash
# O_TMPFILE and orphan-list benchmark: the same workload, in one run, on identical fresh images
# mounted by the kernel's ext4 (loop mount) and by ext4j (FUSE, this build), each on an image
# with the classic orphan list and on one with the orphan_file feature:
#   - 4 processes open 5000 O_TMPFILE files each and keep them open (20 000 orphans)
#   - they close them all, then sync (each close frees its inode and takes it off the list)
#   - they open 20 000 again and exit holding them (the kernel closes them; FUSE forgets lag)
#   - umount, timed until the server process has exited (ext4j: it frees what is still open,
#     commits and releases the image lock); then a second mount of the image must succeed
# Prints seconds per step and ext4j's ratio to the kernel; every image must pass e2fsck -fn.
#
# Usage: bench/tmpfile.sh [WORKDIR]   (root: loop mounts and FUSE mounts)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/ext4j-tbench.XXXXXX)}
ext4j="$top/ext4j"
procs=4
per=5000
mkdir -p "$work/mnt"
cd "$work"
"$ext4j" --help >/dev/null   # build once, outside the timings

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }
# sync(2) does not reach a FUSE server on this kernel: an fsync of the directory makes ext4j commit.
durable() { sync; python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)' "$1"; }

# tmpfiles.py DIR PROCS PER then: each process opens PER O_TMPFILE files; "open" is printed when
# all are open; then the processes close them ("close") or exit holding them ("exit") when a
# line arrives on stdin, and the script returns when all have finished.
cat > tmpfiles.py <<'PY'
import os, resource, sys
d, n, k, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
resource.setrlimit(resource.RLIMIT_NOFILE, (k + 64, k + 64))
ready_r, ready_w = os.pipe()
go_r, go_w = os.pipe()
pids = []
for p in range(n):
    pid = os.fork()
    if pid == 0:
        fds = [os.open(d, os.O_TMPFILE | os.O_RDWR, 0o600) for _ in range(k)]
        os.write(ready_w, b"x")
        os.read(go_r, 1)
        if mode == "close":
            for fd in fds:
                os.close(fd)
        os._exit(0)
    pids.append(pid)
got = 0
while got < n:
    got += len(os.read(ready_r, n))
print("open", flush=True)
sys.stdin.readline()
os.write(go_w, b"x" * n)
for pid in pids:
    os.waitpid(pid, 0)
PY

server_pid=""
mount_it() { # KIND IMAGE
  case $1 in
    kernel) mount -o loop "$2" mnt ;;
    ext4j) server_pid=$("$ext4j" mount "$2" "$work/mnt" | sed -n 's/.*server pid \([0-9]*\).*/\1/p') ;;
  esac
}
gone() { # KIND: after umount, wait until the server has exited
  if [ "$1" = ext4j ]; then
    while kill -0 "$server_pid" 2>/dev/null; do sleep 0.02; done
  fi
}
# run_phase MODE: starts the workload, waits for "open", then lets it close/exit; sets t_open, t_end.
run_phase() {
  coproc W { python3 tmpfiles.py mnt "$procs" "$per" "$1"; }
  local s; s=$(now)
  read -r _ <&"${W[0]}"
  t_open=$(elapsed "$s")
  s=$(now)
  echo go >&"${W[1]}"
  wait "$W_PID"
  t_end=$(elapsed "$s")
}

declare -A t
for kind in kernel ext4j; do
  for layout in list orphan_file; do
    img="$kind-$layout.img"
    rm -f "$img"
    truncate -s 1G "$img"
    if [ "$layout" = orphan_file ]; then mkfs.ext4 -q -F -O orphan_file "$img"; else mkfs.ext4 -q -F "$img"; fi
    mount_it "$kind" "$work/$img"
    run_phase close
    t[$kind,$layout,open]=$t_open
    s=$(now); durable mnt; t[$kind,$layout,close]=$(echo "$t_end + $(elapsed "$s")" | bc -l)
    run_phase exit
    t[$kind,$layout,open2]=$t_open
    s=$(now); umount mnt; gone "$kind"; t[$kind,$layout,umount]=$(elapsed "$s")
    mount_it "$kind" "$work/$img"   # the image lock is free again: a second mount succeeds
    s=$(now); umount mnt; gone "$kind"; t[$kind,$layout,idle]=$(elapsed "$s")
    e2fsck -fn "$img" >/dev/null 2>&1 || echo "WARNING: e2fsck -fn found problems in $img"
  done
done

printf '\n%-58s %8s %8s %13s\n' "step (seconds), $((procs * per)) O_TMPFILE files" "kernel" "ext4j" "ext4j/kernel"
row() { # LABEL LAYOUT KEY
  local k=${t[kernel,$2,$3]} e=${t[ext4j,$2,$3]}
  printf '%-58s %8.2f %8.2f %12.1fx\n' "$1" "$k" "$e" "$(echo "$e / $k" | bc -l)"
}
for layout in list orphan_file; do
  row "[$layout] open, $procs processes" "$layout" open
  row "[$layout] close all + sync" "$layout" close
  row "[$layout] open again, exit holding them" "$layout" open2
  row "[$layout] umount until the server has exited" "$layout" umount
  row "[$layout] umount with nothing open (the floor)" "$layout" idle
done
echo "(ext4j/kernel: ext4j time / kernel time; after each umount the image is mounted again, which fails while a server holds it)"
