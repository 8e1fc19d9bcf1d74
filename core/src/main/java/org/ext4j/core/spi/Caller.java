package org.ext4j.core.spi;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Who asks: the credentials permission checks are made against (from the FUSE request header,
 * or the process itself for the CLI). The supplementary groups may be looked up only when a
 * check needs them (see {@link #withGroupsOnDemand}): most requests are made by the owner or by
 * root, and finding a FUSE caller's groups means reading /proc.
 */
public final class Caller {
    /** The superuser: passes every permission check. */
    public static final Caller ROOT = new Caller(0, 0, new long[0], 0);

    private final long uid;
    private final long gid;
    private final long pid;
    private final Supplier<long[]> lookup;
    private volatile long[] groups;

    /**
     * @param groups supplementary group ids (may be empty)
     */
    public Caller(long uid, long gid, long[] groups, long pid) {
        this(uid, gid, null, Objects.requireNonNull(groups, "groups"), pid);
    }

    private Caller(long uid, long gid, Supplier<long[]> lookup, long[] groups, long pid) {
        this.uid = uid;
        this.gid = gid;
        this.lookup = lookup;
        this.groups = groups;
        this.pid = pid;
    }

    /** A caller whose supplementary groups are fetched from {@code lookup} on first need, once. */
    public static Caller withGroupsOnDemand(long uid, long gid, Supplier<long[]> lookup, long pid) {
        return new Caller(uid, gid, Objects.requireNonNull(lookup, "lookup"), null, pid);
    }

    public long uid() {
        return uid;
    }

    public long gid() {
        return gid;
    }

    public long pid() {
        return pid;
    }

    /** The supplementary group ids (may be empty); looked up now if they were left for later. */
    public long[] groups() {
        long[] g = groups;
        if (g == null) {
            g = lookup.get();
            groups = g;
        }
        return g;
    }

    public boolean isRoot() {
        return uid == 0;
    }

    /** True when {@code gid} is the caller's group or one of its supplementary groups. */
    public boolean inGroup(long gid) {
        if (this.gid == gid) {
            return true;
        }
        for (long g : groups()) {
            if (g == gid) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Caller c && c.uid == uid && c.gid == gid && c.pid == pid && Arrays.equals(c.groups(), groups());
    }

    @Override
    public int hashCode() {
        return Objects.hash(uid, gid, pid);
    }

    @Override
    public String toString() {
        return "Caller[uid=" + uid + ", gid=" + gid + ", groups=" + (groups == null ? "(not looked up)" : Arrays.toString(groups))
                + ", pid=" + pid + "]";
    }
}
