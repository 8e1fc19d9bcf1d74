package org.ext4j.linux.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.ext4j.linux.session.FuseDevice;
import org.ext4j.linux.session.Libc;

/**
 * Keeps a second writer away from an image while ext4j writes it: an exclusive BSD lock
 * (flock(2), LOCK_EX|LOCK_NB) on the image file or block device, held until closed. Every ext4j
 * command that writes an image takes it, so a second {@code ext4j mount} or an {@code ext4j cp}
 * into a mounted image fails at once with a message naming the holder. flock, not the JDK's
 * FileChannel.lock (a POSIX record lock), because a POSIX lock is dropped when any descriptor of
 * the file in the process is closed, and because flock is what util-linux flock(1) and udev use
 * for block devices.
 *
 * <p>A block device is in addition opened with O_EXCL, the kernel's exclusive claim that
 * e2fsck, mke2fs and the kernel's own mount take: while held, neither of those can open the
 * device, and if one of them already has, this lock fails with EBUSY. A fuseblk mount makes the
 * kernel claim the device itself, so {@link #yieldClaimToKernel()} drops this claim just before
 * mount(2) (the flock stays). e2fsprogs takes no lock on image files, so an e2fsck of a mounted
 * image file is not prevented.
 */
public final class ImageLock implements AutoCloseable {
    private static final int O_RDONLY = 0;
    private static final int O_EXCL = 0200;
    private static final int O_CLOEXEC = 02000000;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int EWOULDBLOCK = 11;
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    /** The main class of the ext4j command, as it shows in a server's command line. */
    private static final String EXT4J_MAIN = "org.ext4j.dist.Main";

    private static final POSIX POSIX_CALLS = POSIXFactory.getNativePOSIX();

    private final Path image;
    private final boolean blockDevice;
    private int fd;
    private boolean claimed;

    private ImageLock(Path image, boolean blockDevice, int fd, boolean claimed) {
        this.image = image;
        this.blockDevice = blockDevice;
        this.fd = fd;
        this.claimed = claimed;
    }

    /**
     * Locks {@code image} for writing.
     *
     * @throws IOException saying who holds it when another ext4j (or flock(1)) has the image, or
     *                     that the device is busy when the kernel or another program claimed it
     */
    public static ImageLock acquire(Path image) throws IOException {
        boolean device = isBlockDevice(image);
        int fd = POSIX_CALLS.open(image.toString(), O_RDONLY | O_CLOEXEC | (device ? O_EXCL : 0), 0);
        if (fd < 0) {
            int errno = POSIX_CALLS.errno();
            if (errno == Libc.EBUSY) {
                throw new IOException(image + " is in use: the block device is mounted or opened exclusively by "
                        + "another program (e2fsck, mkfs, a kernel mount); see findmnt " + image + " and fuser -v " + image);
            }
            throw new IOException("cannot open " + image + " to lock it: " + FuseDevice.describe(errno));
        }
        lock(image, fd);
        return new ImageLock(image, device, fd, device);
    }

    private static void lock(Path image, int fd) throws IOException {
        if (POSIX_CALLS.flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int errno = POSIX_CALLS.errno();
            POSIX_CALLS.close(fd);
            if (errno == EWOULDBLOCK) {
                throw new IOException(image + " is in use by another ext4j" + holder(image)
                        + ": it is mounted or being written; unmount it (ext4j umount) or wait, then try again");
            }
            throw new IOException("cannot lock " + image + ": " + FuseDevice.describe(errno));
        }
    }

    /** True when {@code image} is a block device (not a regular file). */
    public static boolean isBlockDevice(Path image) throws IOException {
        return ((Integer) Files.getAttribute(image, "unix:mode") & S_IFMT) == S_IFBLK;
    }

    /** Whether the locked image is a block device. */
    public boolean blockDevice() {
        return blockDevice;
    }

    /**
     * Drops the O_EXCL claim of a block device and keeps only the flock, so that the kernel can
     * claim the device for a fuseblk mount. Nothing for an image file.
     */
    public synchronized void yieldClaimToKernel() throws IOException {
        if (!claimed) {
            return;
        }
        int plain = POSIX_CALLS.open(image.toString(), O_RDONLY | O_CLOEXEC, 0);
        if (plain < 0) {
            throw new IOException("cannot reopen " + image + ": " + FuseDevice.describe(POSIX_CALLS.errno()));
        }
        // The flock belongs to the old open file; it passes to the new one in two steps, and only
        // another ext4j racing for this very device could slip in between (then it is refused here).
        POSIX_CALLS.close(fd);
        fd = -1;
        claimed = false;
        lock(image, plain);
        fd = plain;
    }

    /** Releases the lock (and a claim still held). */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            POSIX_CALLS.close(fd);
            fd = -1;
        }
    }

    /** " (pid N, COMMAND)" for the process /proc/locks names as holding a flock on {@code image}, or "". */
    static String holder(Path image) {
        try {
            long ino = ((Number) Files.getAttribute(image, "unix:ino")).longValue();
            long dev = ((Number) Files.getAttribute(image, "unix:dev")).longValue();
            String id = String.format("%02x:%02x:%d", major(dev), minor(dev), ino);
            for (String line : Files.readAllLines(Path.of("/proc/locks"), StandardCharsets.UTF_8)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 5 && f[1].equals("FLOCK") && f[5].equals(id)) {
                    String pid = f[4];
                    return " (pid " + pid + commandOf(pid) + ")";
                }
            }
        } catch (IOException | RuntimeException e) {
            return " (" + e.getMessage() + " while looking for the holder)";
        }
        return "";
    }

    private static String commandOf(String pid) {
        try {
            String cmd = new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
            int main = cmd.indexOf(EXT4J_MAIN);
            if (main >= 0) {
                // A JVM's command line is mostly class path: show it as the ext4j command it runs.
                cmd = "ext4j" + cmd.substring(main + EXT4J_MAIN.length());
            }
            return cmd.isEmpty() ? "" : ": " + (cmd.length() > 160 ? cmd.substring(0, 160) + "..." : cmd);
        } catch (IOException e) {
            return "";
        }
    }

    /** The kernel's new_encode_dev split of st_dev. */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }
}
