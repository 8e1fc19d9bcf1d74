package org.ext4j.core.fs;

import java.time.Clock;
import java.time.Instant;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;

/**
 * The link counts a namespace change leaves on the inodes it touches, and the times that move
 * with them: a directory whose entries changed (mtime, ctime, its count of subdirectories under
 * dir_nlink), an inode that lost a link or all of them, an inode that was renamed (ctime).
 */
final class LinkCounts {
    /** The kernel's EXT4_LINK_MAX: more links than this is EMLINK (directories use dir_nlink past it). */
    static final int LINK_MAX = 65000;

    private final Clock clock;

    LinkCounts(Clock clock) {
        this.clock = clock;
    }

    Timestamp now() {
        Instant t = clock.instant();
        return new Timestamp(t.getEpochSecond(), t.getNano());
    }

    /** One link fewer; returns the inode number when none is left, else -1. */
    long dropLink(Transaction tx, Inode victim) {
        InodeEditor e = new InodeEditor(victim);
        int links = Math.max(0, victim.linksCount() - 1);
        e.linksCount(links).ctime(now());
        InodeStore.write(tx, victim.ino(), e.raw());
        return links == 0 ? victim.ino() : -1;
    }

    /** A removed directory: no link left (its "." and its name went together), ctime now. */
    void unlinkDirectory(Transaction tx, Inode dir) {
        InodeEditor e = new InodeEditor(dir);
        e.linksCount(0).ctime(now());
        InodeStore.write(tx, dir.ino(), e.raw());
    }

    /** An inode whose own record did not change but whose name did: ctime now. */
    void touchChanged(Transaction tx, long ino) {
        InodeEditor e = new InodeEditor(InodeStore.read(tx, ino));
        e.ctime(now());
        InodeStore.write(tx, ino, e.raw());
    }

    /** A directory changed: mtime and ctime now, link count adjusted by {@code linkDelta} (subdirectories). */
    void touchDirectory(Transaction tx, long dir, int linkDelta) {
        Inode d = InodeStore.read(tx, dir);
        InodeEditor e = new InodeEditor(d);
        Timestamp now = now();
        e.mtime(now).ctime(now);
        int links = d.linksCount();
        if (linkDelta > 0) {
            // dir_nlink: past the limit the count sticks at 1, meaning "not counted".
            links = links == 1 || links + 1 >= LINK_MAX ? 1 : links + 1;
        } else if (linkDelta < 0 && links > 2) {
            links--;
        }
        e.linksCount(links);
        InodeStore.write(tx, dir, e.raw());
    }
}
