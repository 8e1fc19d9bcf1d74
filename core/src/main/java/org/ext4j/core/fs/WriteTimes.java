package org.ext4j.core.fs;

import java.util.concurrent.ConcurrentHashMap;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.Timestamp;

/**
 * The kernel's timestamp granularity for writes. The kernel stamps mtime and ctime from a clock
 * that advances once per scheduler tick, and file_update_time skips the inode update when both
 * already hold that time; so a burst of writes dirties the inode once per tick, not once per
 * write. Since 6.13 (multigrain timestamps) a stat in between makes the next write take a fresh,
 * fine-grained time, so that a change is never invisible to someone who looked.
 *
 * <p>ext4j keeps the same promise with a fine clock: a write leaves mtime and ctime alone when the
 * previous write set them less than one tick ago and nobody has read the inode's attributes
 * since. Times are therefore at most one tick old, as on the kernel, and every write after a
 * stat moves them.
 */
final class WriteTimes {
    /** One tick of the kernel's coarse clock at HZ=250 (Debian's default). */
    static final long TICK_NANOS = 4_000_000;
    /** Past this many remembered inodes, the ones stamped over a tick ago are forgotten. */
    private static final int PRUNE_AT = 1024;

    private final ConcurrentHashMap<Long, Timestamp> stamped = new ConcurrentHashMap<>();

    /**
     * True when {@code inode}'s mtime and ctime are still the ones the last write gave them, that
     * write was less than a tick before {@code now}, and the attributes were not read since.
     */
    boolean stillCurrent(long ino, Inode inode, Timestamp now) {
        Timestamp last = stamped.get(ino);
        if (last == null || !inode.mtime().equals(last) || !inode.ctime().equals(last)) {
            return false;
        }
        return withinTick(last, now);
    }

    /** A write set mtime and ctime of {@code ino} to {@code time}. */
    void stamped(long ino, Timestamp time) {
        if (stamped.size() >= PRUNE_AT) {
            stamped.values().removeIf(t -> !withinTick(t, time));
        }
        stamped.put(ino, time);
    }

    private static boolean withinTick(Timestamp then, Timestamp now) {
        long age = (now.seconds() - then.seconds()) * 1_000_000_000L + (now.nanos() - then.nanos());
        return age >= 0 && age < TICK_NANOS;
    }

    /** Somebody read the attributes of {@code ino}: its next write takes a fresh time. */
    void queried(long ino) {
        if (!stamped.isEmpty()) {
            stamped.remove(ino);
        }
    }
}
