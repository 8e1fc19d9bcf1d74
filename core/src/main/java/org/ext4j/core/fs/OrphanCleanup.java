package org.ext4j.core.fs;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.FileContentWriter;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.alloc.SuperblockEditor;
import org.ext4j.core.orphan.OrphanFile;
import org.ext4j.core.orphan.OrphanList;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.view.BlockReader;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.tx.TransactionManager;

/**
 * Finishes what a crash interrupted, at a read-write open and after journal replay, as the
 * kernel's ext4_orphan_cleanup does: every orphan (the classic list, then the orphan file's
 * slots) without links is freed, every orphan with links (an interrupted truncate) loses the
 * blocks past i_size, and the lists end empty (orphan_present cleared). The whole set is
 * validated before the first write, so a corrupt chain changes nothing. Each orphan is one
 * transaction that also takes it off its list, so a crash during cleanup leaves a consistent
 * list behind.
 */
final class OrphanCleanup {
    /** What a cleanup did: orphans freed and truncates finished. */
    record Result(int deleted, int truncated) {
    }

    private final DiskView fs;
    private final Superblock sb;
    private final OrphanList list;
    private final OrphanFile file;

    OrphanCleanup(DiskView fs) {
        this.fs = fs;
        this.sb = fs.superblock();
        this.list = new OrphanList(fs);
        this.file = new OrphanFile(fs);
    }

    /**
     * True when the superblock says there may be orphans to process. A filesystem marked with
     * errors is left to e2fsck, as the kernel leaves it: freeing inodes by a list that may be
     * wrong would make matters worse.
     */
    boolean needed() {
        if ((sb.state() & Superblock.STATE_ERROR_FS) != 0) {
            return false;
        }
        return sb.lastOrphan() != 0 || sb.hasRoCompat(Features.RO_COMPAT_ORPHAN_PRESENT)
                || file.exists() && !file.slots(fs.blockCache()).isEmpty();
    }

    /** Validates every orphan, then processes them one transaction each. */
    Result run(TransactionManager transactions, Namespace namespace) {
        BlockReader committed = fs.blockCache();
        List<Long> chain = list.chain(committed);
        List<OrphanFile.Slot> slots = file.slots(committed);
        Set<Long> seen = new HashSet<>(chain);
        for (long ino : chain) {
            check(committed, ino, "orphan list");
        }
        for (OrphanFile.Slot slot : slots) {
            if (!seen.add(slot.ino())) {
                throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, slot.ino(), CorruptionException.NO_BLOCK, "orphan file: inode " + slot.ino() + " is an orphan twice");
            }
            OrphanList.requireInUse(fs, committed, slot.ino(), "orphan file");
            check(committed, slot.ino(), "orphan file");
        }
        int deleted = 0;
        int truncated = 0;
        for (long ino : chain) {
            try (Transaction tx = transactions.begin()) {
                list.remove(tx, ino);
                if (process(tx, namespace, ino)) {
                    deleted++;
                } else {
                    truncated++;
                }
                tx.commit();
            }
        }
        for (OrphanFile.Slot slot : slots) {
            try (Transaction tx = transactions.begin()) {
                file.clear(tx, slot);
                if (process(tx, namespace, slot.ino())) {
                    deleted++;
                } else {
                    truncated++;
                }
                tx.commit();
            }
        }
        SuperblockEditor superblock = new SuperblockEditor(sb);
        if ((superblock.roCompat(committed) & Features.RO_COMPAT_ORPHAN_PRESENT) != 0) {
            try (Transaction tx = transactions.begin()) {
                superblock.clearRoCompat(tx, Features.RO_COMPAT_ORPHAN_PRESENT);
                tx.commit();
            }
        }
        return new Result(deleted, truncated);
    }

    /**
     * The kernel's checks of an orphan (ext4_orphan_get) beyond the list's own: not the orphan
     * file itself, a known file type, and with links only a file that truncate can shorten
     * (regular, directory, or a symlink with a block); a link count of zero needs no more.
     */
    private void check(BlockReader src, long ino, String where) {
        if (sb.hasCompat(Features.COMPAT_ORPHAN_FILE) && ino == sb.orphanFileInum()) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, ino, CorruptionException.NO_BLOCK, where + ": inode " + ino + " is the orphan file itself");
        }
        Inode inode = fs.inode(ino, src);
        if (inode.size() < 0) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, ino, CorruptionException.NO_BLOCK, where + ": orphan inode " + ino + " has a negative i_size");
        }
        if (inode.linksCount() == 0) {
            return;
        }
        FileType type = inode.type();
        boolean truncatable = type == FileType.REGULAR || type == FileType.DIRECTORY
                || type == FileType.SYMLINK && !fastSymlink(inode);
        if (!truncatable) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_LIST, ino, CorruptionException.NO_BLOCK, where + ": orphan inode " + ino + " has " + inode.linksCount()
                    + " link(s) but is a " + type + ", which has nothing to truncate");
        }
    }

    /** Frees {@code ino} when it has no link (true), else drops its blocks past i_size (false). */
    private boolean process(Transaction tx, Namespace namespace, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        if (inode.linksCount() == 0) {
            namespace.release(tx, ino);
            return true;
        }
        if (!inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL) && !fastSymlink(inode)) {
            new FileContentWriter(fs).truncate(tx, ino, inode.size());
        }
        return false;
    }

    private static boolean fastSymlink(Inode inode) {
        return inode.type() == FileType.SYMLINK && inode.size() > 0 && inode.size() < BlockMap.I_BLOCK_SIZE
                && !inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL);
    }
}
