package org.ext4j.core.orphan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ext4j.core.alloc.Bitmap;
import org.ext4j.core.alloc.Bitmaps;
import org.ext4j.core.alloc.SuperblockEditor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.view.BlockReader;
import org.ext4j.core.tx.Transaction;

/**
 * The classic on-disk orphan list: s_last_orphan names the newest orphan and each orphan's
 * i_dtime (NEXT_ORPHAN in the kernel) names the one added before it, 0 ending the chain. A
 * new orphan goes to the head, as ext4_orphan_add puts it; removal unlinks it wherever it sits.
 *
 * <p>Like the kernel's s_orphan list, an instance remembers, for each orphan it added, the
 * orphan just before it in the chain (nearer the head), so that taking it off costs two inode
 * writes instead of a walk from the head: with thousands of open unlinked files a walk per
 * removal made every close, and the unmount that frees them all, quadratic. What it remembers is
 * checked against the chain as the transaction sees it before anything is written; an orphan it
 * does not know (left by an earlier mount), or a disagreement, takes the walk. Changes to the
 * memory are undone with the transaction that made them. One instance per open filesystem, used
 * under its transaction lock.
 *
 * <p>Every walk is bounded by s_inodes_count and refuses a loop, so a hostile chain ends in a
 * CorruptionException instead of a hang.
 */
public final class OrphanList {
    private final DiskView fs;
    private final Superblock sb;
    private final SuperblockEditor superblock;
    /** For each orphan this instance knows: the one before it in the chain, 0 for the head. */
    private final Map<Long, Long> newerOf = new HashMap<>();

    public OrphanList(DiskView fs) {
        this.fs = fs;
        this.sb = fs.superblock();
        this.superblock = new SuperblockEditor(sb);
    }

    /** The newest orphan (s_last_orphan) as {@code src} sees it, 0 when the list is empty. */
    public long head(BlockReader src) {
        return superblock.lastOrphan(src);
    }

    /**
     * Puts inode {@code ino} at the head of the list: its i_dtime takes the old head and
     * s_last_orphan takes {@code ino}, both in {@code tx}.
     */
    public void add(Transaction tx, long ino) {
        checkRange(ino, "a new orphan");
        long oldHead = head(tx);
        Inode inode = InodeStore.read(tx, ino);
        InodeStore.write(tx, ino, new InodeEditor(inode).dtime(oldHead).raw());
        superblock.setLastOrphan(tx, ino);
        remember(tx, ino, 0L);
        if (newerOf.containsKey(oldHead)) {
            remember(tx, oldHead, ino);
        }
    }

    /**
     * Takes inode {@code ino} off the list: its predecessor (or s_last_orphan when it is the
     * head) takes its successor, and its own i_dtime is cleared. CorruptionException when the
     * chain does not reach it.
     */
    public void remove(Transaction tx, long ino) {
        Long newer = newerOf.get(ino);
        if (newer != null && predecessorAgrees(tx, ino, newer)) {
            Inode inode = InodeStore.read(tx, ino);
            unlink(tx, newer, inode);
            return;
        }
        if (newer != null) {
            forgetAll(tx); // what was remembered is wrong somewhere: trust the chain alone from here
        }
        long prev = 0;
        long cur = head(tx);
        for (long steps = 0; cur != 0; steps++) {
            if (steps >= sb.inodesCount()) {
                throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, "orphan list: longer than the " + sb.inodesCount() + " inodes (a loop?)");
            }
            checkRange(cur, "an orphan list entry");
            Inode inode = InodeStore.read(tx, cur);
            if (cur == ino) {
                unlink(tx, prev, inode);
                return;
            }
            prev = cur;
            cur = inode.dtime();
        }
        throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, ino, CorruptionException.NO_BLOCK, "orphan list: inode " + ino + " should be on it but the chain from s_last_orphan "
                + head(tx) + " does not reach it");
    }

    /** True when {@code newer} (0: the superblock) points at {@code ino} as {@code tx} sees the chain. */
    private boolean predecessorAgrees(Transaction tx, long ino, long newer) {
        if (newer == 0) {
            return head(tx) == ino;
        }
        return InodeStore.read(tx, newer).dtime() == ino;
    }

    /** Points {@code prev} (0: s_last_orphan) past {@code inode} and clears the inode's link. */
    private void unlink(Transaction tx, long prev, Inode inode) {
        long ino = inode.ino();
        long next = inode.dtime();
        if (prev == 0) {
            superblock.setLastOrphan(tx, next);
        } else {
            Inode before = InodeStore.read(tx, prev);
            InodeStore.write(tx, prev, new InodeEditor(before).dtime(next).raw());
        }
        InodeStore.write(tx, ino, new InodeEditor(inode).dtime(0).raw());
        if (newerOf.containsKey(ino)) {
            remember(tx, ino, null);
        }
        if (next != 0 && newerOf.containsKey(next)) {
            remember(tx, next, prev);
        }
    }

    /** Sets what {@code ino}'s predecessor is (null: not known), undone if {@code tx} aborts. */
    private void remember(Transaction tx, long ino, Long newer) {
        Long before = newer == null ? newerOf.remove(ino) : newerOf.put(ino, newer);
        tx.onAbort(() -> {
            if (before == null) {
                newerOf.remove(ino);
            } else {
                newerOf.put(ino, before);
            }
        });
    }

    /** Drops what is remembered (it disagreed with the chain), back if {@code tx} aborts. */
    private void forgetAll(Transaction tx) {
        if (newerOf.isEmpty()) {
            return;
        }
        Map<Long, Long> before = new HashMap<>(newerOf);
        newerOf.clear();
        tx.onAbort(() -> {
            newerOf.clear();
            newerOf.putAll(before);
        });
    }

    /**
     * The whole chain from the head, each entry checked as the kernel's ext4_orphan_get checks it
     * before recovery touches anything: an inode number from s_first_ino to s_inodes_count, in
     * use in its group's inode bitmap, and not seen before in the chain.
     */
    public List<Long> chain(BlockReader src) {
        List<Long> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long cur = head(src);
        while (cur != 0) {
            if (out.size() >= sb.inodesCount()) {
                throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, "orphan list: longer than the " + sb.inodesCount() + " inodes");
            }
            checkRange(cur, out.isEmpty() ? "s_last_orphan" : "i_dtime of orphan inode " + out.get(out.size() - 1));
            if (!seen.add(cur)) {
                throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, cur, CorruptionException.NO_BLOCK, "orphan list: inode " + cur + " appears twice (the chain loops)");
            }
            requireInUse(fs, src, cur, "orphan list");
            out.add(cur);
            cur = fs.inode(cur, src).dtime();
        }
        return out;
    }

    /**
     * CorruptionException unless inode {@code ino} is in use in its group's inode bitmap as
     * {@code src} sees it: an orphan that is a free inode was already cleaned up by someone
     * else, and freeing it again would corrupt the counts.
     */
    public static void requireInUse(DiskView fs, BlockReader src, long ino, String where) {
        Superblock sb = fs.superblock();
        long group = (ino - 1) / sb.inodesPerGroup();
        if (!Bitmap.test(Bitmaps.of(fs).sharedInodeBitmap(src, group), (ino - 1) % sb.inodesPerGroup())) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, ino, CorruptionException.NO_BLOCK, where + ": inode " + ino + " is free in the inode bitmap of group " + group);
        }
    }

    /** An orphan is an ordinary inode: from s_first_ino to s_inodes_count. */
    private void checkRange(long ino, String what) {
        if (ino < sb.firstIno() || ino > sb.inodesCount()) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, ino, CorruptionException.NO_BLOCK, "orphan list: " + what + " names inode " + ino + ", outside "
                    + sb.firstIno() + ".." + sb.inodesCount());
        }
    }
}
