package org.ext4j.core.spi;

/**
 * The image contradicts itself: a bad checksum, an out-of-range pointer, a loop. It says which
 * on-disk {@link Structure} was found damaged, of which inode and in which block where those are
 * known, so that a caller (a test, the error record, a tool) need not read the message; the
 * message is for people, like the kernel's ext4_error lines, and is built only where the damage
 * is found (write {@code if (!ok) throw new CorruptionException(...)}, never a check that
 * concatenates a message on the success path).
 */
public class CorruptionException extends Ext4Exception {
    /** The inode field of a damage that concerns no particular inode. */
    public static final long NO_INODE = 0;
    /** The block field of a damage whose block is not known or not one block. */
    public static final long NO_BLOCK = -1;

    /** The on-disk structure found damaged. */
    public enum Structure {
        /** The device itself, against what the superblock says of it (a truncated image). */
        DEVICE,
        SUPERBLOCK,
        GROUP_DESCRIPTOR,
        BLOCK_BITMAP,
        INODE_BITMAP,
        /** An inode's own record: checksum, sizes, counts, a number out of range. */
        INODE,
        EXTENT_TREE,
        /** The ext2/ext3 direct and indirect block map. */
        BLOCK_MAP,
        /** Fixed metadata (superblock copies, descriptors, bitmaps, inode tables, the journal) that a file claims. */
        SYSTEM_ZONE,
        DIRECTORY,
        HTREE,
        INLINE_DATA,
        XATTR,
        ACL,
        SYMLINK,
        /** A file's content against its size. */
        FILE_DATA,
        JOURNAL,
        ORPHAN_LIST,
        ORPHAN_FILE
    }

    private final Structure structure;
    private final long ino;
    private final long block;

    /**
     * Damage to {@code structure} of inode {@code ino} ({@link #NO_INODE} when none) in block
     * {@code block} ({@link #NO_BLOCK} when not known), described by {@code message}.
     */
    public CorruptionException(Structure structure, long ino, long block, String message) {
        super(Errno.EUCLEAN, message);
        this.structure = structure;
        this.ino = ino;
        this.block = block;
    }

    /** Damage to {@code structure}, of no particular inode or block. */
    public CorruptionException(Structure structure, String message) {
        this(structure, NO_INODE, NO_BLOCK, message);
    }

    /** The structure found damaged. */
    public Structure structure() {
        return structure;
    }

    /** The inode whose structure is damaged, or {@link #NO_INODE}. */
    public long ino() {
        return ino;
    }

    /** The physical block that holds the damage, or {@link #NO_BLOCK}. */
    public long block() {
        return block;
    }
}
