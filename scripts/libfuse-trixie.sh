#!/usr/bin/env bash
# The fuse3 backend against libfuse 3.17+ for real: Debian trixie's libfuse3-4 (libfuse3.so.4)
# needs glibc 2.38 (__isoc23_strtoul), which bookworm's 2.36 lacks, so the library cannot simply
# be loaded into this machine's JVM. Instead a minimal trixie root (mmdebstrap, cached) holds
# libfuse3-4, its fusermount3 and the tools the tests call, and the test JVMs run inside it: this
# machine's JDK, the work tree and ~/.m2 are bind-mounted at the same paths in a private mount
# namespace, so the paths Maven hands the forked JVM are valid in there too, and whatever the
# tests mount disappears with the namespace.
#
#   scripts/libfuse-trixie.sh root           make (or reuse) the cached root and print its path
#   scripts/libfuse-trixie.sh java ARGS...   run this machine's java with ARGS inside the root,
#                                            in the current directory (what Maven forks)
#   scripts/libfuse-trixie.sh test [MVN...]  backend-highlevel's layout test and mount tests with
#                                            their JVM in the root; extra arguments go to Maven
#
# The root lives in $EXT4J_CACHE (default ~/.cache/ext4j)/libfuse-trixie and is made again when
# the package list below changes. Needs root, mmdebstrap and Debian's archive.
set -euo pipefail

top=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
self="$top/scripts/libfuse-trixie.sh"
suite=trixie
mirror=http://deb.debian.org/debian
# libfuse3-4 and fuse3 (fusermount3) are what is tested; the rest is what the tests and the JDK
# call or link: e2fsprogs, mount, acl, attr, xfsprogs (xfs_io), python3, procps (kill), the C
# compiler and libfuse3-dev for the layout probe, zlib and the C++ runtime for the JVM.
packages=(libfuse3-4 fuse3 libfuse3-dev gcc libc6-dev e2fsprogs mount acl attr xfsprogs python3 procps
    zlib1g libstdc++6 libgcc-s1)
cache=${EXT4J_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ext4j}/libfuse-trixie
root=$cache/root
key="$suite ${packages[*]}"

die() { echo "libfuse-trixie.sh: $*" >&2; exit 1; }

# The cached root, made when missing or made from another package list.
ensure_root() {
    if [ -d "$root" ] && [ "$(cat "$cache/key" 2>/dev/null)" = "$key" ]; then
        mtab "$root"
        return
    fi
    [ "$(id -u)" -eq 0 ] || die "making the trixie root needs root"
    if ! command -v mmdebstrap >/dev/null 2>&1; then
        echo "libfuse-trixie.sh: installing mmdebstrap" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null
    fi
    mkdir -p "$cache"
    local work
    work=$(mktemp -d "$cache/root.XXXXXX")
    echo "libfuse-trixie.sh: making a $suite root with ${packages[*]} (once; cached in $cache)" >&2
    if ! mmdebstrap --quiet --variant=essential --include="$(IFS=,; echo "${packages[*]}")" \
            "$suite" "$work/root" "$mirror" >"$work/log" 2>&1; then
        cat "$work/log" >&2
        rm -rf "$work"
        die "mmdebstrap failed (output above)"
    fi
    mtab "$work/root"
    rm -rf "$root" "$cache/key"
    mv "$work/root" "$root"
    rm -rf "$work"
    echo "$key" >"$cache/key"
}

# fusermount3 reads the mount table through /etc/mtab (a normal user's -u looks there for who
# mounted it); a booted system has that link, a root made by the essential variant has none.
mtab() {
    [ -L "$1/etc/mtab" ] || ln -sf ../proc/self/mounts "$1/etc/mtab"
}

# This machine's JDK (the one Maven runs on), resolved through symlinks.
jdk_home() {
    local java
    java=$(readlink -f "$(command -v java)") || die "no java on PATH"
    dirname "$(dirname "$java")"
}

# Inside a private mount namespace: bind what the JVM needs at the same paths, enter the root in
# directory $1 and run the rest there.
enter() {
    local dir=$1; shift
    mount --make-rprivate /
    mount --rbind /dev "$root/dev"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    local jdk; jdk=$(jdk_home)
    local shared=("$jdk" "$top" /tmp "$HOME/.m2")
    # Debian's JDK keeps its configuration in /etc/java-N-openjdk, reached through symlinks.
    for etc in /etc/java-*-openjdk; do
        [ -d "$etc" ] && shared+=("$etc")
    done
    for path in "${shared[@]}"; do
        [ -e "$path" ] || continue
        mkdir -p "$root$path"
        mount --rbind "$path" "$root$path"
    done
    exec chroot "$root" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$dir" "$@"
}

case ${1:-} in
    root)
        ensure_root
        echo "$root"
        ;;
    java)
        shift
        [ -d "$root" ] || die "no trixie root yet: run '$self root' first"
        exec unshare --mount --propagation private "$self" --enter "$PWD" "$(jdk_home)/bin/java" "$@"
        ;;
    --enter)
        shift
        enter "$@"
        ;;
    test)
        shift
        ensure_root
        version=$(chroot "$root" dpkg-query -W -f='${Version}' libfuse3-4)
        echo "libfuse-trixie.sh: testing the fuse3 backend against $suite's libfuse3-4 $version" \
             "($(readlink "$root/usr/lib/x86_64-linux-gnu/libfuse3.so.4"), glibc" \
             "$(chroot "$root" dpkg-query -W -f='${Version}' libc6))"
        # Maven forks the test JVMs through this wrapper (surefire's and failsafe's jvm=).
        mkdir -p "$cache/jvm/bin"
        printf '#!/bin/sh\nexec "%s" java "$@"\n' "$self" >"$cache/jvm/bin/java"
        chmod +x "$cache/jvm/bin/java"
        cp "$(jdk_home)/release" "$cache/jvm/release"
        cd "$top"
        rc=0
        mvn -B -ntp -Dstyle.color=never verify -pl backend-highlevel -am \
            -Djvm="$cache/jvm/bin/java" -Dext4j.expectLibfuse=3.17 \
            -Dtest=LayoutGoldenTest -Dsurefire.failIfNoSpecifiedTests=false \
            -Dit.test='PosixBehaviourIT,MountParityIT,ParallelReadWriteIT,ProcessLifecycleIT,HighLevelMountIT,Fuse3BackendIT' \
            -Dit.failIfNoSpecifiedTests=false "$@" || rc=$?
        # What the test JVMs really loaded, as each test class printed it.
        cat backend-highlevel/target/surefire-reports/*-output.txt backend-highlevel/target/failsafe-reports/*-output.txt \
            2>/dev/null | grep -h '^ext4j \(layout probe\|fuse3 mount tests\):' | sort | uniq -c || true
        exit "$rc"
        ;;
    *)
        die "usage: $0 root | java ARGS... | test [MAVEN ARGS...]"
        ;;
esac
