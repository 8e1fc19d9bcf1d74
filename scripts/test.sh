#!/usr/bin/env bash
# The ext4j test command: installs the Debian tools the tests call (mkfs.ext4, debugfs, e2fsck,
# xfsprogs, attr, acl, FUSE 3, fuse2fs, and a C compiler with the libfuse3 headers for the fuse3
# backend's layout probe; the ICU headers and an arm64 cross compiler with its C library headers,
# which --no-install-recommends leaves out, for the macFUSE-ABI shim and its layout probe), makes
# sure /dev/fuse exists, then runs `mvn verify` on the whole reactor and, without arguments, the
# fuse3 backend's tests against libfuse 3.17+ too (scripts/libfuse-trixie.sh).
# Extra arguments go to Maven unchanged, e.g. ./scripts/test.sh -pl core -Dtest=X
# The last line printed is the summed Surefire/Failsafe summary; the exit code is Maven's.
set -euo pipefail

cd "$(dirname "$0")/.."

# True when the Debian package is installed (not merely known to dpkg).
installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# True when apt knows an installable candidate for the package.
available() {
    local candidate
    candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

missing=()
for pkg in e2fsprogs xfsprogs attr acl fuse3 libfuse3-3 libfuse3-dev gcc libc6-dev libicu-dev gcc-aarch64-linux-gnu \
        libc6-dev-arm64-cross; do
    installed "$pkg" || missing+=("$pkg")
done
# fuse2fs is its own package from bookworm on; older releases ship it inside e2fsprogs.
need_fuse2fs=false
if ! command -v fuse2fs >/dev/null 2>&1 && ! installed fuse2fs; then
    need_fuse2fs=true
fi

if [ ${#missing[@]} -gt 0 ] || $need_fuse2fs; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: missing Debian packages: ${missing[*]} $($need_fuse2fs && echo fuse2fs)" >&2
        echo "test.sh: run as root (or install them with apt-get) and try again" >&2
        exit 1
    fi
    echo "test.sh: apt-get update (something is missing)"
    apt-get update -qq
    if $need_fuse2fs; then
        if available fuse2fs; then
            missing+=(fuse2fs)
        else
            echo "test.sh: no fuse2fs package in this Debian; e2fsprogs is expected to provide it"
        fi
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "test.sh: installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    fi
fi

if [ ! -c /dev/fuse ]; then
    if ! modprobe fuse 2>/tmp/ext4j-modprobe.err; then
        echo "test.sh: /dev/fuse is missing and 'modprobe fuse' failed: $(cat /tmp/ext4j-modprobe.err)" \
             "(mount tests will be skipped or fail)"
    fi
fi

# udev gives /dev/fuse mode 0666 on a normal system (fusermount3 opens it with the user's rights);
# a container's device node may be 0600, which makes every unprivileged mount fail. /dev/null is
# 0666 everywhere but in some containers: libfuse 3.17 spawns fusermount3 with its output opened
# write-only on /dev/null, and a normal user's mount then silently loses its subtype.
for dev in /dev/fuse /dev/null; do
    if [ -c "$dev" ] && [ "$(id -u)" -eq 0 ] && [ "$(stat -c %a "$dev")" != 666 ]; then
        chmod 0666 "$dev"
    fi
done

log=$(mktemp -t ext4j-mvn.XXXXXX.log)
rc=0
mvn -B -ntp -Dstyle.color=never verify "$@" 2>&1 | tee "$log" || rc=$?

# The whole suite (no arguments) also runs the fuse3 backend's mount tests against libfuse 3.17+
# (Debian trixie's libfuse3-4, in a cached root: see scripts/libfuse-trixie.sh).
if [ $# -eq 0 ]; then
    echo
    echo "test.sh: the fuse3 backend against libfuse 3.17+ (scripts/libfuse-trixie.sh test)"
    ./scripts/libfuse-trixie.sh test 2>&1 | tee -a "$log" || rc=$((rc == 0 ? 1 : rc))
fi

echo
# Sum the per-module summary lines ("Tests run: N, Failures: F, Errors: E, Skipped: S" without
# "Time elapsed", which only the per-class lines carry).
awk '/Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$/ {
         sub(/.*Tests run: /, "");
         split($0, f, /[^0-9]+/);
         run += f[1]; fail += f[2]; err += f[3]; skip += f[4]
     }
     END { printf "ext4j: Tests run: %d, Failures: %d, Errors: %d, Skipped: %d\n", run, fail, err, skip }' "$log"
rm -f "$log"
exit "$rc"
