#!/bin/sh
# PID 1 of a kernel-matrix guest (scripts/kernel-matrix.sh packs it as /init): sets up the
# minimum a test run needs, loads loop (and fuse where it is a module), runs the Linux backend's
# mount tests with GuestTestRun, and writes the account to the second serial port, which the host
# reads back. Lines there: "kernel", "io_uring" (the fuse enable_uring switch: Y, N or absent),
# GuestTestRun's lines, "exit" (its status), then "end". Powers off when done.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run

result=/dev/ttyS1
stty -F "$result" raw -echo 2>/dev/null
say() { echo "$*" > "$result"; }

finish() {
    say "exit $1"
    say end
    sync
    # Let the UART drain before the machine goes away.
    sleep 1
    echo o > /proc/sysrq-trigger
    sleep 10
}

kernel=$(uname -r)
say "kernel $kernel"
echo "kernel-matrix guest: $kernel, $(nproc) CPUs, $(awk '/MemTotal/ { print $2 / 1024 " MiB" }' /proc/meminfo)"

if ! depmod "$kernel" || ! modprobe loop || ! modprobe fuse; then
    say "setup modprobe of loop or fuse failed (see the console)"
    finish 3
fi
# udev gives /dev/fuse mode 0666 on a normal system; there is no udev here.
chmod 0666 /dev/fuse
# fusermount3 reads the mount table from /etc/mtab, which systemd would have linked.
ln -sf ../proc/self/mounts /etc/mtab
# The tests' scratch space is ext4, as on a developer's machine: the root here is tmpfs, whose
# user xattrs (the tests' source trees carry them) arrived only in 6.6.
# Mounted with discard: the backing file lives in the guest's RAM, and a test's deleted images
# must give their memory back (without it a full run filled RAM and the loop device failed).
truncate -s 3G /scratch.img
if ! mkfs.ext4 -q /scratch.img || ! mount -o loop,discard /scratch.img /tmp; then
    say "setup the ext4 scratch file system for /tmp failed (see the console)"
    finish 3
fi
chmod 1777 /tmp

set --
while IFS= read -r arg; do
    set -- "$@" "$arg"
done < /opt/ext4j/args
if [ -e /sys/module/fuse/parameters/enable_uring ]; then
    say "io_uring $(cat /sys/module/fuse/parameters/enable_uring)"
else
    say "io_uring absent"
    set -- --exclude '.*Uring.*' "$@"
fi

say "booted $(cut -d' ' -f1 /proc/uptime)"
cd /opt/ext4j/backend-linux-iomap
/opt/jre/bin/java -Dext4j.mountOps="$(cat /opt/ext4j/mount-ops)" -cp "$(cat /opt/ext4j/classpath)" \
    org.ext4j.linux.matrix.GuestTestRun --result /tmp/matrix-result "$@"
status=$?
[ -e /tmp/matrix-result ] && cat /tmp/matrix-result > "$result"
finish "$status"
