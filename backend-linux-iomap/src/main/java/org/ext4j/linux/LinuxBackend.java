package org.ext4j.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.ext4j.core.backend.Availability;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.backend.MountOption;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.Volume;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.host.HostCommand;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.host.ImageLock;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.linux.mount.FuseMount;
import org.ext4j.linux.mount.LinuxMountOptions;
import org.ext4j.linux.mount.RemountControl;

/**
 * The Linux backend as the {@code ext4j} command sees it through the backend SPI ({@code --backend
 * linux}, the one {@code auto} picks on Linux): it speaks the FUSE kernel protocol on /dev/fuse
 * itself, mounts with mount(2) as root and through fusermount3 otherwise, serves a block device
 * as fuseblk, and honours every option of the shared vocabulary. The static methods open, lock
 * and mount in one call, for tests and programs that embed ext4j on Linux.
 */
public final class LinuxBackend implements Backend {
    /** The largest fuseblk blksize: sb_set_blocksize refuses blocks larger than a page (4 KiB on x86). */
    static final int PAGE_SIZE = 4096;

    /** For {@link java.util.ServiceLoader}. */
    public LinuxBackend() {
    }

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public String description() {
        return "the FUSE kernel protocol on /dev/fuse, spoken directly (no libfuse; iomap when the kernel offers it)";
    }

    @Override
    public Set<HostOs> servesOn() {
        return Set.of(HostOs.LINUX);
    }

    @Override
    public Availability availability() {
        String why = unavailableReason();
        if (why != null) {
            return Availability.unavailable(why, fix(why), "/dev/fuse");
        }
        String library = isRoot() ? "/dev/fuse, mount(2) as root" : "/dev/fuse, " + findOnPath("fusermount3");
        return Availability.available(library, "Linux " + System.getProperty("os.version"));
    }

    /** What to do about {@code reason}; null when nothing in this list helps. */
    private static String fix(String reason) {
        if (reason.startsWith("not Linux")) {
            return null;
        }
        if (reason.contains("fusermount3")) {
            return HostOs.LINUX.fuseInstallHint();
        }
        if (reason.contains("does not exist")) {
            return "modprobe fuse";
        }
        return null;
    }

    /** Every option of the shared vocabulary, io_uring= included: this backend speaks the kernel's FUSE. */
    @Override
    public Optional<String> refusal(MountOption option) {
        return Optional.empty();
    }

    @Override
    public MountHandle mount(Volume volume, Path mountpoint, MountOptions options) throws IOException {
        LinuxMountOptions served = LinuxMountOptions.of(options);
        if (isRoot() && ImageLock.isBlockDevice(volume.image())) {
            served = asBlockDevice(served, volume.image().toAbsolutePath(), volume.fs());
        }
        return FuseMount.mount(volume.fs(), mountpoint, served, volume.lock());
    }

    /** True when {@code dir} is a FUSE mountpoint (fuse.*, fuseblk.*) in /proc/self/mounts now. */
    @Override
    public boolean isMounted(Path dir) throws IOException {
        return mountOptionsOf(dir.toAbsolutePath().normalize()) != null;
    }

    /** umount(8) as root, fusermount3 -u otherwise (a normal user may unmount only what they mounted). */
    @Override
    public void unmount(Path mountpoint, boolean lazy) throws IOException {
        Path target = mountpoint.toAbsolutePath().normalize();
        if (!isMounted(target)) {
            throw new IOException(mountpoint + " is not a FUSE mountpoint");
        }
        List<String> command = unmountCommand(isRoot(), lazy, target);
        HostCommand.Result r = HostCommand.run(command);
        if (r.exitValue() != 0) {
            if (r.output().contains("busy")) {
                throw new IOException(mountpoint + " is busy: files or shells still use it (see fuser -vm " + target
                        + "); close them, or unmount lazily with ext4j umount -l");
            }
            throw new IOException(String.join(" ", command) + " failed (exit " + r.exitValue() + "): " + r.output());
        }
    }

    /** The unmount command for root (umount(8)) or a normal user (fusermount3). */
    public static List<String> unmountCommand(boolean root, boolean lazy, Path target) {
        if (root) {
            return lazy ? List.of("umount", "-l", target.toString()) : List.of("umount", target.toString());
        }
        return lazy ? List.of("fusermount3", "-u", "-z", target.toString()) : List.of("fusermount3", "-u", target.toString());
    }

    /** Hands the options to the mount's server over its control socket ({@link RemountControl}). */
    @Override
    public String remount(Path mountpoint, List<String> options) throws IOException {
        Path target = mountpoint.toAbsolutePath().normalize();
        if (!isMounted(target)) {
            throw new IOException(target + " is not an ext4j mount (remount changes a live mount)");
        }
        RemountControl.request(target, options);
        String flags = mountOptionsOf(target);
        return flags != null && (flags.equals("ro") || flags.startsWith("ro,")) ? "read-only" : "read-write";
    }

    /** The options column of {@code dir}'s FUSE line in /proc/self/mounts, or null when it is none. */
    private static String mountOptionsOf(Path dir) throws IOException {
        Path mounts = Path.of("/proc/self/mounts");
        if (!Files.isReadable(mounts)) {
            return null;
        }
        String found = null;
        for (String line : Files.readAllLines(mounts, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            // The last line for a directory is the mount on top.
            if (f.length > 3 && f[1].equals(dir.toString())) {
                found = f[2].startsWith("fuse") ? f[3] : null;
            }
        }
        return found;
    }

    /** True on Linux with a /dev/fuse this process may read and write. */
    public static boolean isAvailable() {
        return unavailableReason() == null;
    }

    /** Why {@link #isAvailable()} is false, or null when it is true. */
    public static String unavailableReason() {
        if (HostOs.current() != HostOs.LINUX) {
            return "not Linux (os.name is " + System.getProperty("os.name") + ")";
        }
        Path dev = Path.of("/dev/fuse");
        if (!Files.exists(dev)) {
            return "/dev/fuse does not exist (the fuse module is not loaded)";
        }
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
            return "/dev/fuse is not readable and writable by this user (fusermount3 opens it as the user too; "
                    + "distributions make it crw-rw-rw-: chmod 0666 /dev/fuse)";
        }
        String posix = nativePosixProblem();
        if (posix != null) {
            return posix;
        }
        if (!isRoot() && findOnPath("fusermount3") == null) {
            return "mounting as a normal user needs fusermount3, which is not on PATH";
        }
        return null;
    }

    /** Why jnr-posix cannot make the system calls this backend needs, or null when it can. */
    private static String nativePosixProblem() {
        try {
            return jnr.posix.POSIXFactory.getNativePOSIX().isNative() ? null
                    : "jnr-posix found no native libc binding for " + System.getProperty("os.arch");
        } catch (LinkageError | RuntimeException e) {
            return "jnr-posix cannot call libc here: " + e;
        }
    }

    /** True when this process runs with effective uid 0 (it then mounts with mount(2) itself). */
    public static boolean isRoot() {
        return jnr.posix.POSIXFactory.getNativePOSIX().geteuid() == 0;
    }

    private static Path findOnPath(String program) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Opens the ext4 image or block device at {@code image} (read-write unless the options say
     * read-only, with the options' commit interval) and mounts it on {@code mountpoint}: a block
     * device as {@code fuseblk} when root. A read-write mount locks the image first
     * ({@link ImageLock}), so a second writer is refused before anything is written. The returned
     * mount owns the opened volume and the lock.
     *
     * @throws IOException also when a read-write mount is asked of a filesystem that comes up
     *                     read-only (a feature ext4j does not write): mount it read-only
     */
    public static FuseMount mount(Path image, Path mountpoint, MountOptions options) throws IOException {
        return mount(image, mountpoint, LinuxMountOptions.of(options));
    }

    /** {@link #mount(Path, Path, MountOptions)} with the Linux backend's own options (reader threads). */
    public static FuseMount mount(Path image, Path mountpoint, LinuxMountOptions options) throws IOException {
        ImageLock lock = options.readOnly() ? null : ImageLock.acquire(image);
        try {
            LinuxMountOptions served = options;
            PosixFileSystem volume = PosixFileSystem.open(image, options.common().openOptions());
            try {
                if (ImageLock.isBlockDevice(image)) {
                    served = asBlockDevice(options, image, volume);
                }
                return FuseMount.mount(volume, mountpoint, served, lock);
            } catch (IOException | RuntimeException e) {
                volume.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    /**
     * {@code options} for serving block device {@code device} as fuseblk: the filesystem's block
     * size as blksize, capped at the page size the kernel's sb_set_blocksize accepts.
     */
    public static LinuxMountOptions asBlockDevice(LinuxMountOptions options, Path device, InodeFileSystem fs) {
        return options.withBlockDevice(device, Math.min(fs.statfs().blockSize(), PAGE_SIZE));
    }
}
