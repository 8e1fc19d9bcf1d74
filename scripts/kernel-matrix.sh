#!/usr/bin/env bash
# The kernel matrix: the Linux backend's mount tests (every *IT of backend-linux-iomap, the shared
# PosixSuite and the mount parity sequence among them, the guest kernel's own ext4 the oracle) in
# qemu guests running the Debian cloud kernels users have: bookworm's 6.1, sid's and
# experimental's newest. One result line per kernel; the exit status is 1 when any kernel failed.
#
#   scripts/kernel-matrix.sh [--suites bookworm,sid,experimental] [--tests REGEX] [--exclude REGEX]
#                            [--mount-ops N] [--uring on|off] [--timeout SECONDS] [--refresh]
#                            [--no-build]
#
# What it does (as root; it installs qemu-system-x86, mmdebstrap and cpio from Debian when missing):
#  - resolves each suite's linux-image-cloud-amd64 to its kernel packages with a private apt
#    configuration (deb.debian.org; the host's own apt sources and packages are not touched),
#    downloads and unpacks them once;
#  - builds once a bookworm userland with mmdebstrap (python3, e2fsprogs, util-linux, attr, acl,
#    fuse3, kmod) and a JRE with jlink from the host's JDK, kept as cpio archives;
#  - builds the project (Maven, one unit test to record the test class path) and packs the class
#    path, core/src (PosixBehaviourIT copies it) and the guest's /init into a third archive;
#  - boots each kernel under TCG (nested KVM fails on the development machine) with the
#    concatenated archives as its initramfs; /init loads loop (and fuse where it is a module) and
#    runs org.ext4j.linux.matrix.GuestTestRun, which writes its account to the second serial port;
#  - kills a guest that outlives --timeout and reports it as failed.
#
# Downloads and built pieces are cached in $EXT4J_MATRIX_CACHE (default ~/.cache/ext4j/matrix);
# kernel package lists are refreshed when older than a day or with --refresh. Console logs and
# result files of the last run are in target/kernel-matrix/KERNEL/.
#
# FUSE over io_uring: kernels with the fuse module's enable_uring switch (6.14+ with
# CONFIG_FUSE_IO_URING) boot with fuse.enable_uring=1 unless --uring off, so the backend's default
# transport choice meets a kernel that offers the ring; on kernels without the switch, test classes
# named *Uring* are not run, and the line says so.
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)

suites=bookworm,sid,experimental
include='org\.ext4j\.linux\..*IT'
excludes=()
mount_ops=40
# Baked into the guest's JRE (jlink --add-options), so that the JVMs tests start get them too: the
# C2 compiler costs more than it gains in runs this short under emulation.
java_options=${EXT4J_MATRIX_JAVA_OPTIONS--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
uring=on
guest_timeout=1800
# Each guest runs two vCPU threads.
jobs=$(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 ))
refresh=false
build=true
while [ $# -gt 0 ]; do
    case "$1" in
        --suites) suites=$2; shift 2 ;;
        --tests) include=$2; shift 2 ;;
        --exclude) excludes+=("$2"); shift 2 ;;
        --mount-ops) mount_ops=$2; shift 2 ;;
        --uring) uring=$2; shift 2 ;;
        --timeout) guest_timeout=$2; shift 2 ;;
        --jobs) jobs=$2; shift 2 ;;
        --refresh) refresh=true; shift ;;
        --no-build) build=false; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "kernel-matrix: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$uring" in on|off) ;; *) echo "kernel-matrix: --uring takes on or off" >&2; exit 2 ;; esac

cache=${EXT4J_MATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ext4j/matrix}
out=$repo/target/kernel-matrix
jdk=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
mirror=http://deb.debian.org/debian
mkdir -p "$cache" "$out"

log() { echo "kernel-matrix: $*" >&2; }
die() { log "$*"; exit 1; }

# ---- host tools ---------------------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "run as root (the guests' images are built with mmdebstrap, and tools are installed with apt-get)"
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v cpio >/dev/null || missing+=(cpio)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi
[ -x "$jdk/bin/jlink" ] || die "no jlink in $jdk (set JAVA_HOME to a JDK 17)"

# ---- kernels: a private apt configuration for bookworm, sid and experimental --------------------

aptdir=$cache/apt
mkdir -p "$aptdir/etc/apt.conf.d" "$aptdir/etc/preferences.d" "$aptdir/state/lists/partial" \
         "$aptdir/cache/archives/partial" "$cache/debs" "$cache/kernels"
{
    for suite in bookworm sid experimental; do
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main"
    done
} > "$aptdir/etc/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$aptdir/etc/sources.list" -o "Dir::Etc::sourceparts=-"
          -o "Dir::Etc::parts=$aptdir/etc/apt.conf.d" -o "Dir::Etc::preferencesparts=$aptdir/etc/preferences.d"
          -o "Dir::State=$aptdir/state" -o "Dir::Cache=$aptdir/cache" -o "Dir::State::status=/dev/null"
          -o "APT::Architecture=amd64" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
stamp=$aptdir/state/updated
if $refresh || [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
    log "refreshing the kernel package lists from $mirror"
    if apt-get "${apt_opts[@]}" -qq update; then
        touch "$stamp"
    elif [ -e "$stamp" ]; then
        log "apt-get update failed; using the package lists of $(date -r "$stamp")"
    else
        die "apt-get update of the private kernel package lists failed"
    fi
fi

# The Depends of a package (at the candidate of the given suite, when given) as bare names.
depends_of() {
    apt-cache "${apt_opts[@]}" show "$1" 2>/dev/null | awk '/^Depends:/ { sub(/^Depends: /, ""); print; exit }' \
        | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/ //g'
}

# Downloads and unpacks a suite's cloud kernel; prints "ABI VERSION KERNELDIR".
fetch_kernel() {
    local suite=$1 image abi version dir pkgs p
    image=$(depends_of "linux-image-cloud-amd64/$suite" | grep -E '^linux-image-.*-cloud-amd64$' | head -1)
    [ -n "$image" ] || die "no linux-image-cloud-amd64 in $suite"
    abi=${image#linux-image-}
    version=$(apt-cache "${apt_opts[@]}" show "linux-image-cloud-amd64/$suite" | awk '/^Version:/ { print $2; exit }')
    dir=$cache/kernels/$abi
    if [ ! -e "$dir/done-$version" ]; then
        # Since 6.12 Debian splits the kernel into -binary (vmlinuz), -modules and -base (config).
        pkgs=("$image")
        for p in $(depends_of "$image"); do
            case "$p" in linux-binary-"$abi"|linux-modules-"$abi"|linux-base-"$abi") pkgs+=("$p") ;; esac
        done
        log "downloading ${pkgs[*]} ($suite)"
        (cd "$cache/debs" && apt-get "${apt_opts[@]}" -qq download "${pkgs[@]}") >&2
        rm -rf "$dir" && mkdir -p "$dir/tree"
        for p in "${pkgs[@]}"; do
            dpkg-deb -x "$(ls -t "$cache/debs/${p}_"*.deb | head -1)" "$dir/tree"
        done
        pack_modules "$abi" "$dir"
        rm -rf "$dir/tree" "${pkgs[@]/#/$cache/debs/}"_*.deb
        touch "$dir/done-$version"
    fi
    echo "$abi $version $dir"
}

# Keeps vmlinuz and config, and packs loop and fuse (when modules) with depmod's inputs as a cpio.
pack_modules() {
    local abi=$1 dir=$2 tree=$2/tree mods m rel
    for m in "$tree/boot/vmlinuz-$abi" "$tree/usr/lib/modules/$abi/vmlinuz"; do
        [ -e "$m" ] && cp "$m" "$dir/vmlinuz"
    done
    for m in "$tree/boot/config-$abi" "$tree/usr/lib/modules/$abi/config"; do
        [ -e "$m" ] && cp "$m" "$dir/config"
    done
    [ -e "$dir/vmlinuz" ] && [ -e "$dir/config" ] || die "$abi: no vmlinuz or config in its packages"
    mods=$tree/lib/modules/$abi
    [ -d "$mods" ] || mods=$tree/usr/lib/modules/$abi
    rm -rf "$dir/initrd" && mkdir -p "$dir/initrd/usr/lib/modules/$abi"
    for m in modules.builtin modules.builtin.modinfo modules.order; do
        [ -e "$mods/$m" ] && cp "$mods/$m" "$dir/initrd/usr/lib/modules/$abi/"
    done
    # loop for the kernel oracle's loop mounts, fuse where it is not built in (6.1).
    for m in kernel/drivers/block/loop kernel/fs/fuse/fuse; do
        for rel in "$m.ko" "$m.ko.xz" "$m.ko.zst"; do
            if [ -e "$mods/$rel" ]; then
                mkdir -p "$dir/initrd/usr/lib/modules/$abi/$(dirname "$rel")"
                cp "$mods/$rel" "$dir/initrd/usr/lib/modules/$abi/$rel"
            fi
        done
    done
    (cd "$dir/initrd" && find . -mindepth 1 | cpio -o -H newc --owner=0:0 --quiet) > "$dir/modules.cpio"
    rm -rf "$dir/initrd"
}

# ---- the guest userland and JRE -----------------------------------------------------------------

root_packages=python3,e2fsprogs,attr,acl,fuse3,kmod,util-linux,mount,procps,diffutils
root_key=$(echo "bookworm minbase $root_packages v2" | sha256sum | cut -c1-12)
root_cpio=$cache/root-$root_key.cpio
if [ ! -e "$root_cpio" ]; then
    log "building the guest userland with mmdebstrap (bookworm: $root_packages)"
    rm -f "$cache"/root-*.cpio
    work=$(mktemp -d "$cache/root.XXXXXX")
    mmdebstrap --quiet --variant=minbase --include="$root_packages" \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        bookworm "$work/root" "$mirror" >&2
    rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*
    chmod 0755 "$work/root"
    (cd "$work/root" && find . | cpio -o -H newc --quiet) > "$root_cpio.part"
    mv "$root_cpio.part" "$root_cpio"
    rm -rf "$work"
fi

# ---- the project: build, and the test class path as the guest sees it ---------------------------

marker_test=org.ext4j.linux.mount.FuseMountOptionsTest
report=$repo/backend-linux-iomap/target/surefire-reports/TEST-$marker_test.xml
if $build; then
    # Surefire records the test class path in its report: one quick unit test gives it.
    log "building the reactor up to backend-linux-iomap"
    rm -f "$report"
    mvn -B -q -ntp -pl backend-linux-iomap -am test -Dtest="$marker_test" -Dsurefire.failIfNoSpecifiedTests=false >&2
fi
[ -e "$report" ] || die "no $report: build without --no-build"
classpath=$(grep -o 'name="surefire.test.class.path" value="[^"]*"' "$report" | sed 's/.*value="//; s/"$//')
[ -n "$classpath" ] || die "no test class path in $report"

modules=$("$jdk/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps -cp "$classpath" \
    $(echo "$classpath" | tr ':' ' ') 2>/dev/null | tail -1)
modules=$modules,java.logging
jre_key=$(echo "$("$jdk/bin/java" -version 2>&1) $modules $java_options" | sha256sum | cut -c1-12)
jre_cpio=$cache/jre-$jre_key.cpio
if [ ! -e "$jre_cpio" ]; then
    log "linking a JRE ($modules; $java_options)"
    rm -f "$cache"/jre-*.cpio
    work=$(mktemp -d "$cache/jre.XXXXXX")
    mkdir -p "$work/opt"
    "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
        --generate-cds-archive ${java_options:+"--add-options=$java_options"} --output "$work/opt/jre" >/dev/null
    (cd "$work" && find . -mindepth 1 | cpio -o -H newc --owner=0:0 --quiet) > "$jre_cpio.part"
    mv "$jre_cpio.part" "$jre_cpio"
    rm -rf "$work"
fi

project=$(mktemp -d "$out/project.XXXXXX")
trap 'rm -rf "$project"' EXIT
mkdir -p "$project/opt/ext4j/cp" "$project/opt/ext4j/backend-linux-iomap" "$project/opt/ext4j/core"
guest_cp=()
roots=()
i=0
IFS=: read -r -a entries <<< "$classpath"
for entry in "${entries[@]}"; do
    [ -e "$entry" ] || continue
    name=$(printf '%02d-%s' "$i" "$(basename "$entry")")
    case "$entry" in
        "$repo"/*/target/*) name=$(printf '%02d-%s-%s' "$i" "$(echo "${entry#"$repo"/}" | cut -d/ -f1)" "$(basename "$entry")") ;;
    esac
    cp -a "$entry" "$project/opt/ext4j/cp/$name"
    guest_cp+=("/opt/ext4j/cp/$name")
    [ "$entry" = "$repo/backend-linux-iomap/target/test-classes" ] && roots+=("/opt/ext4j/cp/$name")
    i=$((i + 1))
done
[ ${#roots[@]} -eq 1 ] || die "backend-linux-iomap/target/test-classes is not on the test class path"
(IFS=:; echo "${guest_cp[*]}") > "$project/opt/ext4j/classpath"
cp -a core/src "$project/opt/ext4j/core/src"
{
    echo --include; echo "$include"
    for e in "${excludes[@]}"; do echo --exclude; echo "$e"; done
    echo "${roots[0]}"
} > "$project/opt/ext4j/args"
echo "$mount_ops" > "$project/opt/ext4j/mount-ops"
install -m 0755 scripts/kernel-matrix-init.sh "$project/init"
project_cpio=$out/project.cpio
(cd "$project" && find . -mindepth 1 | cpio -o -H newc --owner=0:0 --quiet) > "$project_cpio"

# ---- the guests ---------------------------------------------------------------------------------

# The value of KEY in a guest's result file.
field() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$1"; }

# Boots one kernel and writes its result line to DIR/line.
run_guest() {
    local suite=$1 abi=$2 version=$3 kdir=$4 dir=$out/$2 append start rc seconds uring_state uring_text
    local summary guest_exit verdict
    cat "$root_cpio" "$jre_cpio" "$kdir/modules.cpio" "$project_cpio" > "$dir/initrd.cpio"
    append="console=ttyS0 panic=-1 loglevel=4 random.trust_cpu=on"
    if [ "$uring" = on ] && grep -q '^CONFIG_FUSE_IO_URING=y' "$kdir/config"; then
        append="$append fuse.enable_uring=1"
    fi
    start=$(date +%s)
    rc=0
    timeout --kill-after=10 "$guest_timeout" qemu-system-x86_64 \
        -accel tcg,thread=multi -cpu max -smp 2 -m 6144 -nodefaults -no-reboot -display none \
        -kernel "$kdir/vmlinuz" -initrd "$dir/initrd.cpio" -append "$append" \
        -serial "file:$dir/console.log" -serial "file:$dir/result.txt" >"$dir/qemu.log" 2>&1 || rc=$?
    seconds=$(( $(date +%s) - start ))
    rm -f "$dir/initrd.cpio"
    tr -d '\r' < "$dir/result.txt" > "$dir/result" 2>/dev/null || true

    uring_state=$(field "$dir/result" io_uring)
    case "$uring_state" in
        absent) uring_text="io_uring: not available (the kernel has no fuse enable_uring switch; *Uring* tests not run)" ;;
        "") uring_text="io_uring: unknown" ;;
        *) uring_text="io_uring: enable_uring=$uring_state" ;;
    esac
    summary=$(field "$dir/result" summary)
    guest_exit=$(field "$dir/result" exit)
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        verdict="FAIL (killed after ${guest_timeout} s, in $(tr -d '\r' < "$dir/console.log" | awk '/^\[matrix\] start / { c = $3 } END { print c ? c : "boot or set-up" }'))"
    elif ! grep -qx end "$dir/result" 2>/dev/null; then
        verdict="FAIL (the guest stopped without a complete result, qemu exit $rc; see $dir/console.log)"
    elif [ "$guest_exit" != 0 ] || [ -z "$summary" ]; then
        verdict="FAIL (${summary:-no tests run}; $(grep -E '^(failed|skipped|setup) ' "$dir/result" | head -3 | paste -sd ';'))"
    else
        verdict="PASS ($summary; MountParityIT with $mount_ops operations)"
    fi
    echo "$abi ($suite $version): $verdict; ${seconds} s in the guest; $uring_text" > "$dir/line"
}

IFS=, read -r -a suite_list <<< "$suites"
guests=()
for suite in "${suite_list[@]}"; do
    read -r abi version kdir < <(fetch_kernel "$suite")
    guests+=("$suite $abi $version $kdir")
    rm -rf "${out:?}/$abi" && mkdir -p "$out/$abi"
done
started=$(date +%s)
running=0
for guest in "${guests[@]}"; do
    read -r suite abi version kdir <<< "$guest"
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    log "$abi: booting (TCG; console in $out/$abi/console.log)"
    run_guest "$suite" "$abi" "$version" "$kdir" &
    running=$((running + 1))
done
wait

failed=0
for guest in "${guests[@]}"; do
    read -r suite abi version kdir <<< "$guest"
    if [ -s "$out/$abi/line" ]; then
        cat "$out/$abi/line"
    else
        echo "$abi ($suite $version): FAIL (the runner wrote no result)"
    fi
    grep -q '): PASS' "$out/$abi/line" 2>/dev/null || failed=1
done
log "$(( $(date +%s) - started )) s for ${#guests[@]} guests, $jobs at a time"
exit "$failed"
