package org.ext4j.core.spi;

/**
 * Who asks: the credentials permission checks are made against (from the FUSE request header,
 * or the process itself for the CLI).
 *
 * @param groups supplementary group ids (may be empty)
 */
public record Caller(long uid, long gid, long[] groups, long pid) {
    /** The superuser: passes every permission check. */
    public static final Caller ROOT = new Caller(0, 0, new long[0], 0);

    public boolean isRoot() {
        return uid == 0;
    }

    /** True when {@code gid} is the caller's group or one of its supplementary groups. */
    public boolean inGroup(long gid) {
        if (this.gid == gid) {
            return true;
        }
        for (long g : groups) {
            if (g == gid) {
                return true;
            }
        }
        return false;
    }
}
