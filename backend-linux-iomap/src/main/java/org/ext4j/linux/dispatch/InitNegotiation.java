package org.ext4j.linux.dispatch;

import org.ext4j.linux.protocol.InitFlags;
import org.ext4j.linux.protocol.InitIn;
import org.ext4j.linux.protocol.InitOut;
import org.ext4j.linux.protocol.Wire;

/** What ext4j answers to the kernel's INIT offer. */
final class InitNegotiation {
    /** The oldest protocol minor served: 7.12 (Linux 2.6.29) has every struct at its current size. */
    static final int MIN_MINOR = 12;

    /**
     * Capabilities ext4j asks for (each granted only when the kernel offers it). Besides the read
     * side: ATOMIC_O_TRUNC (O_TRUNC arrives with OPEN, so the truncation is checked against the
     * open, not against the mode again); POSIX_ACL (the kernel checks permissions with the ACLs it
     * reads through GETXATTR and hands ACL changes to SETXATTR) with DONT_MASK (the umask comes
     * separately, because it must not apply when a default ACL is inherited, which is the server's
     * job); SETXATTR_EXT (the setxattr flags word); HANDLE_KILLPRIV and KILLPRIV_V2 (setuid and
     * setgid are dropped by the core on write, truncate and chown: without them the kernel would
     * send a chmod as the writer, which the owner-only rule of chmod refuses).
     *
     * <p>Not asked for: WRITEBACK_CACHE. With it the kernel keeps dirty pages and writes them back
     * later as itself, trusts its own mtime/ctime and file size, and reports a full disk only at
     * fsync or close; a write would no longer fail where write(2) on the kernel's ext4 fails, and
     * setuid clearing would see root instead of the writer.
     */
    static final long WANTED = InitFlags.ASYNC_READ | InitFlags.BIG_WRITES | InitFlags.PARALLEL_DIROPS
            | InitFlags.DO_READDIRPLUS | InitFlags.READDIRPLUS_AUTO | InitFlags.EXPORT_SUPPORT
            | InitFlags.CACHE_SYMLINKS | InitFlags.MAX_PAGES | InitFlags.ATOMIC_O_TRUNC | InitFlags.POSIX_ACL
            | InitFlags.DONT_MASK | InitFlags.SETXATTR_EXT | InitFlags.HANDLE_KILLPRIV
            | InitFlags.HANDLE_KILLPRIV_V2;

    private InitNegotiation() {
    }

    /**
     * The protocol minor of the out-of-tree iomap series. Its FUSE_IOMAP is bit 43, which mainline
     * 7.46 (Linux 7.3) gives to FUSE_HAS_IO_URING_BUFPOOL: a flag means what the offered minor says.
     */
    static final int IOMAP_MINOR = 99;

    /** The minor that added FUSE_OVER_IO_URING (Linux 6.14). */
    static final int OVER_IO_URING_MINOR = 42;

    /** The minor both sides speak. */
    static int minor(InitIn in) {
        return Math.min(in.minor(), Wire.MAX_MINOR);
    }

    /** The answer to a 7.x offer with x >= {@link #MIN_MINOR}. */
    static InitOut answer(InitIn in, DispatchOptions options) {
        return answer(in, options, false);
    }

    /**
     * The answer to a 7.x offer, asking also for FUSE_IOMAP when {@code iomap} (a block device
     * to register is at hand and the device's IOMAP_SUPPORT agreed) and the offer is of the iomap
     * series' minor 99: on any other minor bit 43 is not iomap (on 7.46 it is the io_uring buffer
     * pool) and is never echoed back. Without iomap the in-process READ/WRITE path stays.
     */
    static InitOut answer(InitIn in, DispatchOptions options, boolean iomap) {
        return answer(in, options, iomap, false);
    }

    /**
     * The answer to a 7.x offer, asking also for FUSE_OVER_IO_URING when {@code ioUring} (the
     * session has its rings ready) and the offer is of minor 42 or later, where bit 41 is that
     * flag (the kernel offers it only while the fuse module's enable_uring is set). Bit 43 of a
     * 7.46 offer (FUSE_HAS_IO_URING_BUFPOOL) is not echoed: the buffer pools are not used.
     */
    static InitOut answer(InitIn in, DispatchOptions options, boolean iomap, boolean ioUring) {
        int minor = minor(in);
        boolean iomapAbi = iomap && in.minor() == IOMAP_MINOR;
        boolean uringAbi = ioUring && in.minor() >= OVER_IO_URING_MINOR;
        long granted = in.flags() & (WANTED | (iomapAbi ? InitFlags.IOMAP : 0)
                | (uringAbi ? InitFlags.OVER_IO_URING : 0));
        // flags2 exists from 7.36; announce it only when the kernel offered it.
        if (minor >= 36 && (in.flags() & InitFlags.INIT_EXT) != 0) {
            granted |= InitFlags.INIT_EXT;
        } else {
            granted &= 0xFFFF_FFFFL;
        }
        int maxPages = (granted & InitFlags.MAX_PAGES) != 0 ? options.maxPages() : 0;
        // max_background 0 keeps the kernel's default (12); time_gran 1: nanosecond timestamps.
        return new InitOut(Wire.KERNEL_VERSION, minor, in.maxReadahead(), granted, 0, 0, options.maxWrite(), 1,
                maxPages, 0, 0, 0);
    }
}
