package org.ext4j.core.xattr;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.ext4j.core.disk.Features;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.view.BlockReader;
import org.ext4j.core.tx.Transaction;

/**
 * Reads an inode's extended attributes from both places ext4 keeps them: the inode body first,
 * then the external block, the order in which the kernel lists and looks them up.
 */
public final class XattrReader {
    private final DiskView fs;
    private final BlockReader blocks;
    private final boolean eaInodes;
    private final long maxInum;

    /** A reader of the committed state. */
    public XattrReader(DiskView fs) {
        this(fs, fs::readBlock);
    }

    private XattrReader(DiskView fs, BlockReader blocks) {
        this.fs = fs;
        this.blocks = blocks;
        this.eaInodes = fs.superblock().hasIncompat(Features.INCOMPAT_EA_INODE);
        this.maxInum = fs.superblock().inodesCount();
    }

    /**
     * A reader that sees {@code tx}'s uncommitted changes to xattr blocks; pass it inodes read
     * through {@link org.ext4j.core.tx.InodeStore#read(Transaction, long)}.
     */
    public static XattrReader of(Transaction tx) {
        return new XattrReader(tx.fileSystem(), tx);
    }

    /** Every entry of {@code inode} (in-inode ones first), including internal names such as system.data. */
    public List<XattrEntry> list(Inode inode) {
        List<XattrEntry> all = new ArrayList<>(inodeBody(inode));
        XattrBlock block = block(inode);
        if (block != null) {
            all.addAll(block.entries());
        }
        return all;
    }

    /** The entries in the inode body only (where inline data's system.data lives). */
    public List<XattrEntry> inodeBody(Inode inode) {
        return InodeXattrs.read(inode, eaInodes, maxInum);
    }

    /** The external xattr block of {@code inode}, or null when it has none. */
    public XattrBlock block(Inode inode) {
        return XattrBlock.read(fs, blocks, inode);
    }

    /** The full names listxattr shows: known user-visible namespaces only, in list order. */
    public List<String> names(Inode inode) {
        List<String> names = new ArrayList<>();
        for (XattrEntry e : list(inode)) {
            if (XattrNameIndex.visibleToUserSpace(e.name().index())) {
                names.add(e.fullName());
            }
        }
        return names;
    }

    /** The value of xattr {@code fullName} (e.g. "user.comment"), or empty when the inode has none. */
    public Optional<byte[]> get(Inode inode, String fullName) {
        return get(inode, XattrName.parse(fullName));
    }

    /** The value of xattr {@code name}, or empty when the inode has none. */
    public Optional<byte[]> get(Inode inode, XattrName name) {
        Optional<XattrEntry> e = find(inode, name);
        return e.isPresent() ? Optional.of(value(inode, e.get())) : Optional.empty();
    }

    /** The entry named {@code name}: the in-inode one wins over one in the block. */
    public Optional<XattrEntry> find(Inode inode, XattrName name) {
        for (XattrEntry e : inodeBody(inode)) {
            if (e.name().equals(name)) {
                return Optional.of(e);
            }
        }
        XattrBlock block = block(inode);
        if (block != null) {
            for (XattrEntry e : block.entries()) {
                if (e.name().equals(name)) {
                    return Optional.of(e);
                }
            }
        }
        return Optional.empty();
    }

    /** The value of entry {@code e} of {@code owner}, reading the EA inode when the value lives in one. */
    public byte[] value(Inode owner, XattrEntry e) {
        if (!e.inEaInode()) {
            return e.tableValue();
        }
        String where = "xattr " + e.fullName() + " of inode " + owner.ino() + ": value inode " + e.valueInum();
        Inode ea = fs.inode(e.valueInum());
        if (!ea.hasFlag(InodeFlags.EXT4_EA_INODE_FL)) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, e.valueInum(), CorruptionException.NO_BLOCK,
                    where + " lacks the EA_INODE flag");
        }
        if (!(ea.size() == e.valueSize())) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, e.valueInum(), CorruptionException.NO_BLOCK,
                    where + " holds " + ea.size() + " bytes but the entry says " + e.valueSize());
        }
        return EaInodeData.read(fs, ea, (int) e.valueSize(), where);
    }
}
