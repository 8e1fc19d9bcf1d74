package org.ext4j.core.xattr;

import static org.ext4j.core.disk.LittleEndian.s32;
import static org.ext4j.core.disk.LittleEndian.u32;

import java.util.List;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.view.BlockReader;

/**
 * The external xattr block an inode's {@code i_file_acl} points to ({@code struct
 * ext4_xattr_header} then entries); several inodes with identical xattrs may share one block,
 * counted by {@code h_refcount}.
 */
public final class XattrBlock {
    public static final int H_MAGIC = 0x0;
    public static final int H_REFCOUNT = 0x4;
    public static final int H_BLOCKS = 0x8;
    public static final int H_HASH = 0xC;
    public static final int H_CHECKSUM = 0x10;
    /** Size of the header; the first entry follows it. */
    public static final int HEADER_SIZE = 0x20;
    public static final long MAGIC = 0xEA020000L;

    private final long pblk;
    private final long refcount;
    private final int hash;
    private final int checksum;
    private final List<XattrEntry> entries;

    private XattrBlock(long pblk, long refcount, int hash, int checksum, List<XattrEntry> entries) {
        this.pblk = pblk;
        this.refcount = refcount;
        this.hash = hash;
        this.checksum = checksum;
        this.entries = entries;
    }

    /**
     * Reads and validates the xattr block of {@code inode}; null when {@code i_file_acl} is 0.
     * With metadata_csum the block checksum is verified.
     */
    public static XattrBlock read(DiskView fs, Inode inode) {
        return read(fs, fs::readBlock, inode);
    }

    /** Like {@link #read(DiskView, Inode)}, reading the block through {@code blocks} (e.g. a transaction). */
    public static XattrBlock read(DiskView fs, BlockReader blocks, Inode inode) {
        long pblk = inode.fileAcl();
        if (pblk == 0) {
            return null;
        }
        String where = "xattr block " + pblk + " of inode " + inode.ino();
        if (!fs.systemZone().isValid(inode.ino(), pblk, 1)) {
            throw fs.blockError(inode.ino(), pblk, 1, "inode " + inode.ino() + ": i_file_acl (xattr block)");
        }
        return parse(fs, pblk, blocks.read(pblk), where);
    }

    /** Parses {@code block}, the content of filesystem block {@code pblk}. */
    static XattrBlock parse(DiskView fs, long pblk, byte[] block, String where) {
        if (!(block.length >= HEADER_SIZE + 4)) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, CorruptionException.NO_INODE, pblk, where + ": block too small");
        }
        long magic = u32(block, H_MAGIC);
        if (magic != MAGIC) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, CorruptionException.NO_INODE, pblk, String.format("%s: bad magic 0x%08x (expected 0x%08x)", where, magic, MAGIC));
        }
        long blocks = u32(block, H_BLOCKS);
        if (!(blocks == 1)) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, CorruptionException.NO_INODE, pblk, where + ": h_blocks is " + blocks + " (must be 1)");
        }
        int stored = s32(block, H_CHECKSUM);
        if (fs.hasMetadataCsum()) {
            int computed = checksum(fs.csumSeed(), pblk, block);
            if (!(computed == stored)) {
                throw new CorruptionException(CorruptionException.Structure.XATTR, CorruptionException.NO_INODE, pblk,
                        String.format("%s: checksum 0x%08x does not match computed 0x%08x", where, stored, computed));
            }
        }
        List<XattrEntry> entries = XattrTable.parse(block, HEADER_SIZE, block.length, 0, XattrEntry.Location.BLOCK,
                fs.superblock().hasIncompat(Features.INCOMPAT_EA_INODE), fs.superblock().inodesCount(), where);
        return new XattrBlock(pblk, u32(block, H_REFCOUNT), s32(block, H_HASH), stored, List.copyOf(entries));
    }

    /**
     * The checksum an xattr block must carry: crc32c from the filesystem seed over the block
     * number as le64, then the block with h_checksum taken as zero. The block number is mixed in
     * because a shared block has no single owner inode to seed from.
     */
    public static int checksum(int fsSeed, long pblk, byte[] block) {
        byte[] nr = new byte[8];
        LittleEndian.put64(nr, 0, pblk);
        int crc = Crc32c.update(fsSeed, nr, 0, 8);
        crc = Crc32c.update(crc, block, 0, H_CHECKSUM);
        crc = Crc32c.updateZeros(crc, 4);
        return Crc32c.update(crc, block, H_CHECKSUM + 4, block.length - H_CHECKSUM - 4);
    }

    /** The block's physical number. */
    public long pblk() {
        return pblk;
    }

    /** {@code h_refcount}: how many inodes share this block. */
    public long refcount() {
        return refcount;
    }

    /** {@code h_hash} as stored (not verified). */
    public int hash() {
        return hash;
    }

    /** {@code h_checksum} as stored. */
    public int checksum() {
        return checksum;
    }

    /** The entries, in on-disk order. */
    public List<XattrEntry> entries() {
        return entries;
    }
}
