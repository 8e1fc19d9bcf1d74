package org.ext4j.linux.mount;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.ext4j.core.fs.AtimeMode;
import org.ext4j.core.fs.FsErrors;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.linux.session.FuseTransport;

/**
 * How to mount. {@link MountOptionParser} builds one from mount(8)-style option strings.
 *
 * @param readOnly       mount read-only (MS_RDONLY): the image is opened read-only and every change
 *                       answers EROFS
 * @param allowOther     let users other than the mounter in ({@code allow_other})
 * @param readerThreads  threads reading requests, each on its own cloned fd
 * @param fsName         what /proc/mounts shows as the source (the image path); for a block
 *                       device mounted as {@code fuseblk} the source is always the device
 * @param allowNonEmpty  mount over a directory that has entries (they are hidden meanwhile)
 * @param extraOptions   further mount data options passed verbatim (the escape hatch)
 * @param ownerUid       when present, the owner every inode is shown with ({@code uid=}); see
 *                       {@link OwnerOverride} for what writes do then
 * @param ownerGid       when present, the group every inode is shown with ({@code gid=})
 * @param commitInterval how long committed changes may wait before they are written ({@code commit=})
 * @param atime          when reads update access times
 * @param noExec         refuse to execute files from the mount (MS_NOEXEC)
 * @param blockDevice    the block device being served, mounted as {@code fuseblk} (the kernel then
 *                       claims the device and waits for the server at unmount); null for an image file
 * @param blockSize      the {@code blksize=} of a fuseblk mount (ignored without a block device)
 * @param noDirAtime     listing a directory leaves its access time alone ({@code nodiratime})
 * @param errors         what a detected inconsistency does ({@code errors=}; null: the superblock's)
 * @param transport      FUSE over io_uring or /dev/fuse ({@code io_uring=auto|off|on}); null: the
 *                       {@code ext4j.io_uring} system property decides, auto when it is not set
 */
public record MountOptions(boolean readOnly, boolean allowOther, int readerThreads, String fsName,
        boolean allowNonEmpty, List<String> extraOptions, OptionalLong ownerUid, OptionalLong ownerGid,
        Duration commitInterval, AtimeMode atime, boolean noExec, Path blockDevice, int blockSize,
        boolean noDirAtime, FsErrors.Behaviour errors, FuseTransport transport) {

    /** The largest uid or gid (4294967294; -1 as unsigned means "no change" to chown). */
    public static final long MAX_ID = 0xFFFF_FFFEL;

    public MountOptions {
        if (readerThreads < 1) {
            throw new IllegalArgumentException("readerThreads must be at least 1: " + readerThreads);
        }
        if (fsName == null || fsName.isEmpty()) {
            throw new IllegalArgumentException("fsName is required");
        }
        extraOptions = List.copyOf(extraOptions);
        for (String o : extraOptions) {
            if (o.contains(",")) {
                throw new IllegalArgumentException("one option per entry, without commas: " + o);
            }
        }
        checkId("uid", ownerUid);
        checkId("gid", ownerGid);
        if (commitInterval == null || commitInterval.isNegative()) {
            throw new IllegalArgumentException("the commit interval must be zero or positive");
        }
        if (atime == null) {
            throw new IllegalArgumentException("atime mode is required");
        }
        if (blockDevice != null && (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1)) {
            throw new IllegalArgumentException("blksize must be a power of two from 512 to 65536: " + blockSize);
        }
    }

    private static void checkId(String what, OptionalLong id) {
        if (id == null) {
            throw new IllegalArgumentException(what + " must be given (OptionalLong.empty() for none)");
        }
        if (id.isPresent() && (id.getAsLong() < 0 || id.getAsLong() > MAX_ID)) {
            throw new IllegalArgumentException(what + " out of range 0.." + MAX_ID + ": " + id.getAsLong());
        }
    }

    /** Read-only, two reader threads, only the mounter may enter. */
    public static MountOptions readOnly(String fsName) {
        return readWrite(fsName).withReadOnly(true);
    }

    /** Read-write, two reader threads, only the mounter may enter, relatime, the kernel's commit interval. */
    public static MountOptions readWrite(String fsName) {
        return new MountOptions(false, false, 2, fsName, false, List.of(), OptionalLong.empty(), OptionalLong.empty(),
                OpenOptions.DEFAULT_COMMIT_INTERVAL, AtimeMode.RELATIME, false, null, 0, false, null, null);
    }

    public MountOptions withReadOnly(boolean ro) {
        return new MountOptions(ro, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid, ownerGid,
                commitInterval, atime, noExec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    public MountOptions withAllowOther(boolean allow) {
        return new MountOptions(readOnly, allow, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid, ownerGid,
                commitInterval, atime, noExec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    public MountOptions withReaderThreads(int n) {
        return new MountOptions(readOnly, allowOther, n, fsName, allowNonEmpty, extraOptions, ownerUid, ownerGid,
                commitInterval, atime, noExec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    public MountOptions withAllowNonEmpty(boolean allow) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allow, extraOptions, ownerUid, ownerGid,
                commitInterval, atime, noExec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    public MountOptions withFsName(String name) {
        return new MountOptions(readOnly, allowOther, readerThreads, name, allowNonEmpty, extraOptions, ownerUid,
                ownerGid, commitInterval, atime, noExec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    /** Every inode shown as owned by {@code uid} (empty: the on-disk owner). */
    public MountOptions withOwnerUid(OptionalLong uid) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, uid, ownerGid,
                commitInterval, atime, noExec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    /** Every inode shown with group {@code gid} (empty: the on-disk group). */
    public MountOptions withOwnerGid(OptionalLong gid) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid, gid,
                commitInterval, atime, noExec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    public MountOptions withCommitInterval(Duration interval) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid,
                ownerGid, interval, atime, noExec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    public MountOptions withAtime(AtimeMode mode) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid,
                ownerGid, commitInterval, mode, noExec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    public MountOptions withNoExec(boolean noexec) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid,
                ownerGid, commitInterval, atime, noexec, blockDevice, blockSize, noDirAtime, errors, transport);
    }

    /** Listings leave directory access times alone ({@code nodiratime}) or not. */
    public MountOptions withNoDirAtime(boolean keep) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid,
                ownerGid, commitInterval, atime, noExec, blockDevice, blockSize, keep, errors, transport);
    }

    /** Serve {@code device} as a fuseblk mount with {@code blksize} (null: an image file, plain fuse). */
    public MountOptions withBlockDevice(Path device, int blksize) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid,
                ownerGid, commitInterval, atime, noExec, device, blksize, noDirAtime, errors, transport);
    }

    /** These options with the transport chosen by {@code io_uring=} (null: by the system property). */
    public MountOptions withTransport(FuseTransport choice) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid,
                ownerGid, commitInterval, atime, noExec, blockDevice, blockSize, noDirAtime, errors, choice);
    }

    /** The transport to use: the mount option's, else the system property's. */
    public FuseTransport effectiveTransport() {
        return transport != null ? transport : FuseTransport.fromSystemProperty();
    }

    /** True when some inode owner is overridden ({@code uid=} or {@code gid=}). */
    public boolean overridesOwner() {
        return ownerUid.isPresent() || ownerGid.isPresent();
    }

    /**
     * What the core is opened with for these options: read-only or read-write, the commit
     * interval, and the access-time rules.
     */
    /** These options with another errors= behaviour (null: the superblock's). */
    public MountOptions withErrors(FsErrors.Behaviour behaviour) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions, ownerUid,
                ownerGid, commitInterval, atime, noExec, blockDevice, blockSize, noDirAtime, behaviour, transport);
    }

    public OpenOptions openOptions() {
        return (readOnly ? OpenOptions.READ_ONLY : OpenOptions.READ_WRITE).withCommitInterval(commitInterval)
                .withAtimeMode(atime).withNoDirAtime(noDirAtime).withErrors(errors);
    }
}
