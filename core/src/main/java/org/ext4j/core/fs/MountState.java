package org.ext4j.core.fs;

import java.time.Clock;
import java.time.Instant;
import java.util.function.LongConsumer;
import org.ext4j.core.orphan.Orphans;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.tx.TransactionManager;
import org.ext4j.core.xattr.XattrReader;

/**
 * What the parts of one {@link PosixFileSystem} share, as the kernel's ext4_sb_info is per mount: the
 * opened filesystem, the clock "now" comes from, the writers and the namespace rules (made on
 * first write), the orphan records, the write-time memory, and whom to tell when a change drops
 * setuid/setgid.
 */
final class MountState {
    final Ext4FileSystem fs;
    final XattrReader xattrs;
    final WriteTimes writeTimes = new WriteTimes();
    /** The orphan records, with what makes taking an orphan off them cheap (one per volume). */
    final Orphans orphans;
    private final Clock clock;
    /** Told when a write, fallocate or truncate dropped setuid/setgid (see {@link #told}). */
    private volatile LongConsumer privilegesDropped = ino -> { };
    private volatile Writers writers;
    private Namespace namespace;

    MountState(Ext4FileSystem fs, Clock clock) {
        this.fs = fs;
        this.clock = clock;
        this.xattrs = new XattrReader(fs);
        this.orphans = new Orphans(fs);
    }

    /** The current time as the inode clock gives it. */
    Timestamp now() {
        Instant instant = clock.instant();
        return new Timestamp(instant.getEpochSecond(), instant.getNano());
    }

    /** The transaction manager (a read-only volume never needs one). */
    TransactionManager transactions() {
        requireWritable();
        return fs.transactions();
    }

    void requireWritable() {
        if (fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + fs.readOnlyReason() + ")");
        }
    }

    /** The allocator and writers, made on first use (every write asks: no lock once they exist). */
    Writers writers() {
        Writers w = writers;
        if (w == null) {
            synchronized (this) {
                w = writers;
                if (w == null) {
                    w = Writers.of(fs);
                    writers = w;
                }
            }
        }
        return w;
    }

    /** The namespace rules over the real writers, made on first write. */
    synchronized Namespace namespace() {
        if (namespace == null) {
            namespace = new Namespace(fs, new WriterDirectoryOps(writers()), clock);
        }
        return namespace;
    }

    void onPrivilegesDropped(LongConsumer listener) {
        privilegesDropped = listener == null ? ino -> { } : listener;
    }

    /** Tells the listener that {@code ino} lost setuid/setgid, when {@code dropped}. */
    void told(boolean dropped, long ino) {
        if (dropped) {
            privilegesDropped.accept(ino);
        }
    }
}
