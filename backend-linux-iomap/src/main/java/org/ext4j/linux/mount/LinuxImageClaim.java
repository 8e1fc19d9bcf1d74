package org.ext4j.linux.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.host.ImageClaim;
import org.ext4j.core.host.ImageClaimProvider;
import org.ext4j.core.host.ImageLock;
import org.ext4j.linux.session.FuseDevice;
import org.ext4j.linux.session.Libc;

/**
 * What Linux adds to the core's {@link ImageLock}: an exclusive BSD lock (flock(2),
 * LOCK_EX|LOCK_NB), which, unlike the JDK's record lock, survives this process opening and
 * closing the image elsewhere (the iomap loop device does) and is what util-linux flock(1), udev
 * and earlier ext4j take; and for a block device the kernel's exclusive claim (open with O_EXCL),
 * which mkfs, e2fsck and the kernel's own mount take: while held none of them can open the
 * device, and if one of them has, the claim fails with EBUSY. A fuseblk mount makes the kernel
 * claim the device itself, so {@link #yieldToKernel()} drops this claim just before mount(2)
 * (the flock stays).
 */
public final class LinuxImageClaim implements ImageClaim {
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int EWOULDBLOCK = 11;

    private final POSIX posix;
    private final Path image;
    private int fd;
    private boolean claimed;

    private LinuxImageClaim(POSIX posix, Path image, int fd, boolean claimed) {
        this.posix = posix;
        this.image = image;
        this.fd = fd;
        this.claimed = claimed;
    }

    /** The provider {@link ImageLock} finds through {@code META-INF/services}. */
    public static final class Provider implements ImageClaimProvider {
        /**
         * The flock (and the O_EXCL claim of a block device), or empty where Linux's calls are not
         * to be had: another OS, or jnr-posix without its native library. The core's lock still
         * stands then; what is lost is listed in the class comment.
         */
        @Override
        public Optional<ImageClaim> claim(Path image, boolean blockDevice) throws IOException {
            if (HostOs.current() != HostOs.LINUX) {
                return Optional.empty();
            }
            POSIX posix;
            try {
                posix = POSIXFactory.getNativePOSIX();
            } catch (LinkageError | RuntimeException e) {
                return Optional.empty();
            }
            if (!posix.isNative()) {
                return Optional.empty();
            }
            return Optional.of(acquire(posix, image, blockDevice));
        }
    }

    private static LinuxImageClaim acquire(POSIX posix, Path image, boolean device) throws IOException {
        int fd = posix.open(image.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC | (device ? Libc.O_EXCL : 0), 0);
        if (fd < 0) {
            int errno = posix.errno();
            if (errno == Libc.EBUSY) {
                throw new IOException(image + " is in use: the block device is mounted or opened exclusively by "
                        + "another program (e2fsck, mkfs, a kernel mount); see findmnt " + image + " and fuser -v " + image);
            }
            throw new IOException("cannot open " + image + " to lock it: " + FuseDevice.describe(errno));
        }
        lock(posix, image, fd);
        return new LinuxImageClaim(posix, image, fd, device);
    }

    private static void lock(POSIX posix, Path image, int fd) throws IOException {
        if (posix.flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int errno = posix.errno();
            posix.close(fd);
            if (errno == EWOULDBLOCK) {
                throw ImageLock.inUse(image);
            }
            throw new IOException("cannot lock " + image + ": " + FuseDevice.describe(errno));
        }
    }

    /**
     * Drops the O_EXCL claim of a block device and keeps only the flock, so that the kernel can
     * claim the device for a fuseblk mount. Nothing for an image file.
     */
    public synchronized void yieldToKernel() throws IOException {
        if (!claimed) {
            return;
        }
        int plain = posix.open(image.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (plain < 0) {
            throw new IOException("cannot reopen " + image + ": " + FuseDevice.describe(posix.errno()));
        }
        // The flock belongs to the old open file; it passes to the new one in two steps, and only
        // another ext4j racing for this very device could slip in between (then it is refused here).
        posix.close(fd);
        fd = -1;
        claimed = false;
        lock(posix, image, plain);
        fd = plain;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            posix.close(fd);
            fd = -1;
        }
    }
}
