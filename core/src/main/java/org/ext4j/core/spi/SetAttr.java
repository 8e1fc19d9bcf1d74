package org.ext4j.core.spi;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The changes of one setattr call (chmod, chown, truncate, utimensat, or several at once, as FUSE
 * sends them): each field is either absent (leave it) or the new value.
 *
 * @param mode  new permission bits (07777; the file type bits are ignored)
 * @param uid   new owner
 * @param gid   new group
 * @param size  new size (truncate or extend with a hole)
 * @param atime what to do to the access time
 * @param mtime what to do to the modification time
 */
public record SetAttr(OptionalInt mode, OptionalLong uid, OptionalLong gid, OptionalLong size, TimeChange atime,
        TimeChange mtime) {
    /** Changes nothing. */
    public static final SetAttr NONE = new SetAttr(OptionalInt.empty(), OptionalLong.empty(), OptionalLong.empty(),
            OptionalLong.empty(), TimeChange.OMIT, TimeChange.OMIT);

    public SetAttr {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(gid, "gid");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(atime, "atime");
        Objects.requireNonNull(mtime, "mtime");
    }

    /** chmod(2). */
    public static SetAttr chmod(int mode) {
        return NONE.withMode(mode);
    }

    /** chown(2): -1 leaves that id unchanged. */
    public static SetAttr chown(long uid, long gid) {
        return new SetAttr(OptionalInt.empty(), uid == -1 ? OptionalLong.empty() : OptionalLong.of(uid),
                gid == -1 ? OptionalLong.empty() : OptionalLong.of(gid), OptionalLong.empty(), TimeChange.OMIT,
                TimeChange.OMIT);
    }

    /** truncate(2). */
    public static SetAttr truncate(long size) {
        return new SetAttr(OptionalInt.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.of(size),
                TimeChange.OMIT, TimeChange.OMIT);
    }

    /** utimensat(2). */
    public static SetAttr utimens(TimeChange atime, TimeChange mtime) {
        return new SetAttr(OptionalInt.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                atime, mtime);
    }

    /** This with a new mode. */
    public SetAttr withMode(int newMode) {
        return new SetAttr(OptionalInt.of(newMode & 07777), uid, gid, size, atime, mtime);
    }

    /** These changes with the access and modification times given as well. */
    public SetAttr withTimes(TimeChange newAtime, TimeChange newMtime) {
        return new SetAttr(mode, uid, gid, size, newAtime, newMtime);
    }

    /** True when no field is set (utimensat with both UTIME_OMIT). */
    /** The same changes without the size (once the size has been applied). */
    public SetAttr withoutSize() {
        return new SetAttr(mode, uid, gid, OptionalLong.empty(), atime, mtime);
    }

    public boolean isEmpty() {
        return mode.isEmpty() && uid.isEmpty() && gid.isEmpty() && size.isEmpty()
                && atime instanceof TimeChange.Omit && mtime instanceof TimeChange.Omit;
    }

    /** True when any timestamp is given explicitly or only one is UTIME_NOW: only the owner may do that. */
    public boolean setsTimesExplicitly() {
        boolean anyTime = !(atime instanceof TimeChange.Omit) || !(mtime instanceof TimeChange.Omit);
        return anyTime && !isTouch();
    }

    /**
     * True for utimensat(NULL) / both UTIME_NOW (the kernel's ATTR_TOUCH): anyone with write
     * permission may do it.
     */
    public boolean isTouch() {
        return atime instanceof TimeChange.Now && mtime instanceof TimeChange.Now;
    }
}
