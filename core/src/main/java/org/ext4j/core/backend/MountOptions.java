package org.ext4j.core.backend;

import java.time.Duration;
import java.util.OptionalLong;
import org.ext4j.core.fs.AtimeMode;
import org.ext4j.core.view.FsErrors;
import org.ext4j.core.fs.OpenOptions;

/**
 * How to mount, in the one vocabulary every backend takes ({@link MountOptionParser} reads it
 * from mount(8)-style strings). What the core does itself (commit interval, access times,
 * errors=) reaches it through {@link #openOptions()}; the rest is the backend's to honour, and
 * a backend that cannot honour an option refuses it by name ({@link Backend#refusal}). What only
 * one backend has (the Linux backend's fuseblk block size, its mount(2) flags) stays there.
 *
 * @param readOnly       mount read-only: the image is opened read-only and every change answers EROFS
 * @param allowOther     let users other than the mounter in ({@code allow_other})
 * @param fsName         what the mount table shows as the source (the image path by default)
 * @param allowNonEmpty  mount over a directory that has entries (they are hidden meanwhile)
 * @param ownerUid       when present, the owner every inode is shown with ({@code uid=})
 * @param ownerGid       when present, the group every inode is shown with ({@code gid=})
 * @param commitInterval how long committed changes may wait before they are written ({@code commit=})
 * @param atime          when reads update access times
 * @param noExec         refuse to execute files from the mount ({@code noexec})
 * @param noDirAtime     listing a directory leaves its access time alone ({@code nodiratime})
 * @param errors         what finding damage does ({@code errors=}); null: the superblock's setting
 * @param ioUring        FUSE over io_uring or not ({@code io_uring=auto|off|on}, Linux only); null:
 *                       not given, the backend's default
 */
public record MountOptions(boolean readOnly, boolean allowOther, String fsName, boolean allowNonEmpty,
        OptionalLong ownerUid, OptionalLong ownerGid, Duration commitInterval, AtimeMode atime, boolean noExec,
        boolean noDirAtime, FsErrors.Behaviour errors, IoUring ioUring) {

    /** {@code io_uring=}: how the Linux backend talks to the kernel's FUSE. */
    public enum IoUring {
        /** FUSE over io_uring when the kernel offers it, else /dev/fuse. */
        AUTO,
        /** /dev/fuse only. */
        OFF,
        /** FUSE over io_uring, or the mount fails. */
        ON
    }

    /** The largest uid or gid (4294967294; -1 as unsigned means "no change" to chown). */
    public static final long MAX_ID = 0xFFFF_FFFEL;

    public MountOptions {
        if (fsName == null || fsName.isEmpty()) {
            throw new IllegalArgumentException("fsName is required");
        }
        checkId("uid", ownerUid);
        checkId("gid", ownerGid);
        if (commitInterval == null || commitInterval.isNegative()) {
            throw new IllegalArgumentException("the commit interval must be zero or positive");
        }
        if (atime == null) {
            throw new IllegalArgumentException("atime mode is required");
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

    /** Read-only, only the mounter may enter. */
    public static MountOptions readOnly(String fsName) {
        return readWrite(fsName).withReadOnly(true);
    }

    /** Read-write, only the mounter may enter, relatime, the kernel's commit interval, the superblock's errors=. */
    public static MountOptions readWrite(String fsName) {
        return new MountOptions(false, false, fsName, false, OptionalLong.empty(), OptionalLong.empty(),
                OpenOptions.DEFAULT_COMMIT_INTERVAL, AtimeMode.RELATIME, false, false, null, null);
    }

    public MountOptions withReadOnly(boolean ro) {
        return new MountOptions(ro, allowOther, fsName, allowNonEmpty, ownerUid, ownerGid, commitInterval, atime, noExec,
                noDirAtime, errors, ioUring);
    }

    public MountOptions withAllowOther(boolean allow) {
        return new MountOptions(readOnly, allow, fsName, allowNonEmpty, ownerUid, ownerGid, commitInterval, atime, noExec,
                noDirAtime, errors, ioUring);
    }

    public MountOptions withAllowNonEmpty(boolean allow) {
        return new MountOptions(readOnly, allowOther, fsName, allow, ownerUid, ownerGid, commitInterval, atime, noExec,
                noDirAtime, errors, ioUring);
    }

    public MountOptions withFsName(String name) {
        return new MountOptions(readOnly, allowOther, name, allowNonEmpty, ownerUid, ownerGid, commitInterval, atime,
                noExec, noDirAtime, errors, ioUring);
    }

    /** Every inode shown as owned by {@code uid} (empty: the on-disk owner). */
    public MountOptions withOwnerUid(OptionalLong uid) {
        return new MountOptions(readOnly, allowOther, fsName, allowNonEmpty, uid, ownerGid, commitInterval, atime, noExec,
                noDirAtime, errors, ioUring);
    }

    /** Every inode shown with group {@code gid} (empty: the on-disk group). */
    public MountOptions withOwnerGid(OptionalLong gid) {
        return new MountOptions(readOnly, allowOther, fsName, allowNonEmpty, ownerUid, gid, commitInterval, atime, noExec,
                noDirAtime, errors, ioUring);
    }

    public MountOptions withCommitInterval(Duration interval) {
        return new MountOptions(readOnly, allowOther, fsName, allowNonEmpty, ownerUid, ownerGid, interval, atime, noExec,
                noDirAtime, errors, ioUring);
    }

    public MountOptions withAtime(AtimeMode mode) {
        return new MountOptions(readOnly, allowOther, fsName, allowNonEmpty, ownerUid, ownerGid, commitInterval, mode,
                noExec, noDirAtime, errors, ioUring);
    }

    public MountOptions withNoExec(boolean noexec) {
        return new MountOptions(readOnly, allowOther, fsName, allowNonEmpty, ownerUid, ownerGid, commitInterval, atime,
                noexec, noDirAtime, errors, ioUring);
    }

    /** Listings leave directory access times alone ({@code nodiratime}) or not. */
    public MountOptions withNoDirAtime(boolean keep) {
        return new MountOptions(readOnly, allowOther, fsName, allowNonEmpty, ownerUid, ownerGid, commitInterval, atime,
                noExec, keep, errors, ioUring);
    }

    /** These options with another errors= behaviour (null: the superblock's). */
    /** These options with {@code io_uring=} set (null: not given). */
    public MountOptions withIoUring(IoUring choice) {
        return new MountOptions(readOnly, allowOther, fsName, allowNonEmpty, ownerUid, ownerGid, commitInterval, atime,
                noExec, noDirAtime, errors, choice);
    }

    public MountOptions withErrors(FsErrors.Behaviour behaviour) {
        return new MountOptions(readOnly, allowOther, fsName, allowNonEmpty, ownerUid, ownerGid, commitInterval, atime,
                noExec, noDirAtime, behaviour, ioUring);
    }

    /** True when some inode owner is overridden ({@code uid=} or {@code gid=}). */
    public boolean overridesOwner() {
        return ownerUid.isPresent() || ownerGid.isPresent();
    }

    /**
     * What the core is opened with for these options: read-only or read-write, the commit
     * interval, the access-time rules and errors=.
     */
    public OpenOptions openOptions() {
        return (readOnly ? OpenOptions.READ_ONLY : OpenOptions.READ_WRITE).withCommitInterval(commitInterval)
                .withAtimeMode(atime).withNoDirAtime(noDirAtime).withErrors(errors);
    }
}
