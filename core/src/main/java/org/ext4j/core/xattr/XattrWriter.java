package org.ext4j.core.xattr;

import static org.ext4j.core.disk.LittleEndian.u16;
import static org.ext4j.core.disk.LittleEndian.u32;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.Transaction;

/**
 * Sets and removes extended attributes and POSIX ACLs inside a transaction, placing entries as
 * the kernel does (ext4_xattr_set_handle): the inode body first, the external block when the body
 * has no room, an entry moving between the two as it grows or shrinks. Block entries are kept
 * sorted and hashed; a block shared with other inodes ({@code h_refcount > 1}) is copied before it
 * changes, and a block left empty is released. Identical blocks are not searched for (the kernel's
 * mbcache sharing is an optimisation, not a format rule), and values are never put in EA inodes.
 *
 * <p>Every method changes only the transaction's working copies; on any exception the caller must
 * abort the transaction. Errors found before anything is changed (EEXIST, ENODATA, ENOSPC, E2BIG,
 * ERANGE, EINVAL, EOPNOTSUPP) leave the transaction as it was. Timestamps (ctime) are the caller's.
 */
public final class XattrWriter {
    /** What {@link #set} may do with an existing or absent attribute (setxattr's flags). */
    public enum SetMode {
        /** Flags 0: create the attribute or replace its value. */
        CREATE_OR_REPLACE,
        /** XATTR_CREATE: EEXIST when the attribute exists. */
        CREATE_ONLY,
        /** XATTR_REPLACE: ENODATA when the attribute is absent. */
        REPLACE_ONLY
    }

    /** The longest full name the VFS accepts (XATTR_NAME_MAX); longer is ERANGE. */
    public static final int XATTR_NAME_MAX = 255;
    /** The largest value the VFS accepts (XATTR_SIZE_MAX); larger is E2BIG. */
    public static final int XATTR_SIZE_MAX = 65536;

    public static final String POSIX_ACL_ACCESS = "system.posix_acl_access";
    public static final String POSIX_ACL_DEFAULT = "system.posix_acl_default";

    /** The namespaces user space may set on ext4 (the kernel's xattr handlers), besides the two ACL names. */
    private static final String[] SETTABLE_PREFIXES = {"user.", "trusted.", "security.", "gnu."};

    private final BlockAllocator allocator;
    private final boolean mayUseReserved;

    /**
     * A writer allocating xattr blocks with {@code allocator}; {@code mayUseReserved} says whether
     * the caller may dip into the root-reserved blocks (root or s_def_resuid/resgid, as the kernel
     * decides for the task that sets the attribute).
     */
    public XattrWriter(BlockAllocator allocator, boolean mayUseReserved) {
        this.allocator = Objects.requireNonNull(allocator);
        this.mayUseReserved = mayUseReserved;
    }

    /** A writer for a caller allowed to use the reserved blocks (a root server). */
    public XattrWriter(BlockAllocator allocator) {
        this(allocator, true);
    }

    /**
     * Sets attribute {@code fullName} of inode {@code ino} to {@code value} (setxattr). The ACL
     * names take the VFS form of an ACL and go through {@link #setAcl} (which, like the kernel,
     * ignores {@code mode}); an empty value is a valid, empty attribute for other names.
     *
     * @throws Ext4Exception ERANGE for an empty name or one over 255 bytes, EOPNOTSUPP for a namespace
     *                       ext4 does not let user space set, EINVAL for a bare prefix such as "user.",
     *                       E2BIG for a value over 64 KiB, EEXIST / ENODATA per {@code mode}, ENOSPC
     *                       when the attribute fits neither the inode body nor one block
     */
    public void set(Transaction tx, long ino, String fullName, byte[] value, SetMode mode) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(mode, "mode");
        XattrName name = parseSettable(fullName);
        if (value.length > XATTR_SIZE_MAX) {
            throw new Ext4Exception(Errno.E2BIG, "xattr value of " + value.length + " bytes exceeds " + XATTR_SIZE_MAX);
        }
        if (isAcl(name)) {
            setAcl(tx, ino, fullName, value, true);
            return;
        }
        apply(tx, ino, name, value, mode);
    }

    /**
     * Removes attribute {@code fullName} (removexattr); for an ACL name this removes the ACL.
     *
     * @throws Ext4Exception ENODATA when the inode has no such attribute; the name errors of {@link #set}
     */
    public void remove(Transaction tx, long ino, String fullName) {
        XattrName name = parseSettable(fullName);
        apply(tx, ino, name, null, SetMode.REPLACE_ONLY);
    }

    /**
     * Sets or removes a POSIX ACL given in the VFS xattr form (version 2), as the kernel's
     * ext4_set_acl does: the ACL is validated; an access ACL rewrites the rwx bits of i_mode
     * (posix_acl_update_mode) and is not stored when the mode says it all; a default ACL is
     * refused on anything but a directory. An empty value, or a header without entries, removes
     * the ACL (no error when there is none).
     *
     * @param fullName    {@link #POSIX_ACL_ACCESS} or {@link #POSIX_ACL_DEFAULT}
     * @param mayKeepSgid false when the caller is neither in the file's group nor privileged
     *                    (CAP_FSETID): setting an access ACL then also clears S_ISGID
     * @throws Ext4Exception EINVAL for a malformed or invalid ACL, EOPNOTSUPP for another version,
     *                       EACCES for a default ACL on a non-directory, ENOSPC as for {@link #set}
     */
    public void setAcl(Transaction tx, long ino, String fullName, byte[] value, boolean mayKeepSgid) {
        XattrName name = parseSettable(fullName);
        if (!isAcl(name)) {
            throw new IllegalArgumentException(fullName + " is not a POSIX ACL name");
        }
        PosixAcl acl = value.length == 0 ? null : PosixAcl.fromXattr(value);
        if (acl != null && acl.entries().isEmpty()) {
            acl = null;
        }
        if (acl != null) {
            acl.validate();
        }
        Inode inode = InodeStore.read(tx, ino);
        if (name.index() == XattrNameIndex.POSIX_ACL_DEFAULT) {
            if (inode.type() != FileType.DIRECTORY) {
                if (acl != null) {
                    throw new Ext4Exception(Errno.EACCES, "inode " + ino + " is not a directory and cannot have a default ACL");
                }
                return;
            }
            store(tx, ino, name, acl);
            return;
        }
        int newMode = inode.mode();
        if (acl != null) {
            newMode = acl.applyToMode(newMode);
            if (!mayKeepSgid) {
                newMode &= ~02000;
            }
            if (acl.isEquivalentToMode()) {
                acl = null;
            }
        }
        store(tx, ino, name, acl);
        if (newMode != inode.mode()) {
            byte[] raw = InodeStore.read(tx, ino).raw();
            LittleEndian.put16(raw, Inode.I_MODE, newMode);
            InodeStore.write(tx, ino, raw);
        }
    }

    /**
     * The i_mode an access ACL in VFS form gives a file whose mode is {@code mode}: its rwx bits
     * replaced as posix_acl_update_mode does (group bits from the mask when there is one). The
     * ACL is validated first (EINVAL).
     */
    public static int modeFromAcl(int mode, byte[] vfsAccessAcl) {
        PosixAcl acl = PosixAcl.fromXattr(vfsAccessAcl);
        acl.validate();
        return acl.applyToMode(mode);
    }

    /**
     * Releases the xattr block of inode {@code ino} before the inode is freed: the block is freed,
     * or only its reference count decremented when other inodes share it; i_file_acl is cleared and
     * i_blocks lowered. The in-inode table goes with the inode. Freeing the inode is the caller's.
     *
     * @throws Ext4Exception EOPNOTSUPP when a value lives in an EA inode (this writer does not drop EA inodes)
     */
    public void dropAll(Transaction tx, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        for (XattrItem item : InodeXattrEditor.of(tx.fileSystem(), inode).items()) {
            refuseEaInode(item, ino);
        }
        XattrBlock block = XattrBlock.read(tx.fileSystem(), tx, inode);
        if (block == null) {
            return;
        }
        checkRefcount(block, ino);
        if (block.refcount() == 1) {
            for (XattrEntry e : block.entries()) {
                refuseEaInode(XattrItem.from(e), ino);
            }
        }
        byte[] raw = inode.raw();
        release(tx, block);
        setFileAcl(raw, 0);
        addBlocks(tx.fileSystem(), inode, raw, -1);
        InodeStore.write(tx, ino, raw);
    }

    /**
     * Sets ({@code value} non-null) or removes any attribute, internal names such as
     * {@code system.data} included, without the namespace policy and ACL handling of {@link #set}.
     */
    public void setRaw(Transaction tx, long ino, XattrName name, byte[] value, SetMode mode) {
        if (name.suffixLength() > XattrName.MAX_SUFFIX_LEN) {
            throw new Ext4Exception(Errno.ERANGE, "xattr name is longer than 255 bytes");
        }
        apply(tx, ino, name, value, mode);
    }

    /** Stores ({@code acl} non-null, in ext4's form) or removes (if present) an ACL attribute. */
    private void store(Transaction tx, long ino, XattrName name, PosixAcl acl) {
        if (acl != null) {
            apply(tx, ino, name, acl.toDisk(), SetMode.CREATE_OR_REPLACE);
            return;
        }
        Inode inode = InodeStore.read(tx, ino);
        XattrReader reader = XattrReader.of(tx);
        if (reader.find(inode, name).isPresent()) {
            apply(tx, ino, name, null, SetMode.REPLACE_ONLY);
        }
    }

    /** The core of set and remove: {@code value} null removes. */
    private void apply(Transaction tx, long ino, XattrName name, byte[] value, SetMode mode) {
        DiskView fs = tx.fileSystem();
        Inode inode = InodeStore.read(tx, ino);
        byte[] raw = inode.raw();
        InodeXattrEditor body = InodeXattrEditor.of(fs, inode);
        XattrBlock block = XattrBlock.read(fs, tx, inode);
        if (block != null) {
            checkRefcount(block, ino);
        }
        List<XattrItem> blockItems = new ArrayList<>();
        if (block != null) {
            for (XattrEntry e : block.entries()) {
                blockItems.add(XattrItem.from(e));
            }
        }
        boolean inBody = body.contains(name);
        int inBlockAt = indexOf(blockItems, name);
        boolean exists = inBody || inBlockAt >= 0;
        String what = "xattr " + name.fullName() + " of inode " + ino;
        if (!exists && (value == null || mode == SetMode.REPLACE_ONLY)) {
            throw new Ext4Exception(Errno.ENODATA, what + " does not exist");
        }
        if (exists && mode == SetMode.CREATE_ONLY) {
            throw new Ext4Exception(Errno.EEXIST, what + " already exists");
        }
        if (inBody ? body.inEaInode(name) : inBlockAt >= 0 && blockItems.get(inBlockAt).inEaInode()) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, what + " keeps its value in an EA inode, which this writer does not change");
        }
        if (value != null) {
            boolean same = inBody ? Arrays.equals(body.value(name).orElse(null), value)
                    : inBlockAt >= 0 && blockItems.get(inBlockAt).hasValue(value);
            if (same) {
                return;
            }
        }

        if (value == null) {
            if (inBody) {
                body.remove(name);
                body.encodeInto(raw);
            } else {
                blockItems.remove(inBlockAt);
                storeBlock(tx, inode, raw, block, blockItems);
            }
            InodeStore.write(tx, ino, raw);
            return;
        }
        // The body first, as the kernel tries it; the block only when the body has no room.
        if (body.put(name, value)) {
            body.encodeInto(raw);
            if (inBlockAt >= 0) {
                blockItems.remove(inBlockAt);
                storeBlock(tx, inode, raw, block, blockItems);
            }
            InodeStore.write(tx, ino, raw);
            return;
        }
        XattrItem item = XattrItem.of(name, value);
        if (inBlockAt >= 0) {
            blockItems.set(inBlockAt, item);
        } else {
            blockItems.add(insertionPoint(blockItems, name), item);
        }
        int capacity = fs.blockSize() - XattrBlock.HEADER_SIZE;
        if (XattrTable.spaceNeeded(blockItems) > capacity) {
            throw new Ext4Exception(Errno.ENOSPC, what + ": a " + value.length + "-byte value fits neither the inode body nor the xattr block");
        }
        if (inBody) {
            body.remove(name);
            body.encodeInto(raw);
        }
        storeBlock(tx, inode, raw, block, blockItems);
        InodeStore.write(tx, ino, raw);
    }

    /**
     * Makes the inode's xattr block hold {@code items}, editing {@code raw} (i_file_acl, i_blocks):
     * rewritten in place when the inode owns it alone, a fresh block when there is none or it is
     * shared (the shared one losing a reference), released when {@code items} is empty.
     */
    private void storeBlock(Transaction tx, Inode inode, byte[] raw, XattrBlock old, List<XattrItem> items) {
        DiskView fs = tx.fileSystem();
        if (items.isEmpty()) {
            if (old != null) {
                release(tx, old);
                setFileAcl(raw, 0);
                addBlocks(fs, inode, raw, -1);
            }
            return;
        }
        if (old != null && old.refcount() == 1) {
            byte[] buf = tx.getWriteAccess(old.pblk(), BlockRole.METADATA);
            encodeBlock(fs, old.pblk(), buf, 1, items);
            tx.markDirty(old.pblk());
            return;
        }
        Superblock sb = fs.superblock();
        // Near the inode: the first block of its group, as the kernel's goal for a new xattr block.
        long goal = sb.groupFirstBlock((inode.ino() - 1) / sb.inodesPerGroup());
        long pblk = allocator.allocate(tx, goal, 1, mayUseReserved).get(0).start();
        byte[] buf = tx.getNewBlockAccess(pblk);
        encodeBlock(fs, pblk, buf, 1, items);
        tx.markDirty(pblk);
        if (old != null) {
            release(tx, old);
        } else {
            addBlocks(fs, inode, raw, 1);
        }
        setFileAcl(raw, pblk);
    }

    /** Drops one reference to {@code block}: frees it when it was the last. */
    private void release(Transaction tx, XattrBlock block) {
        if (block.refcount() <= 1) {
            allocator.free(tx, block.pblk(), 1);
            return;
        }
        byte[] buf = tx.getWriteAccess(block.pblk(), BlockRole.METADATA);
        LittleEndian.put32(buf, XattrBlock.H_REFCOUNT, block.refcount() - 1);
        setBlockChecksum(tx.fileSystem(), block.pblk(), buf);
        tx.markDirty(block.pblk());
    }

    private static void encodeBlock(DiskView fs, long pblk, byte[] buf, long refcount, List<XattrItem> items) {
        Arrays.fill(buf, (byte) 0);
        LittleEndian.put32(buf, XattrBlock.H_MAGIC, XattrBlock.MAGIC);
        LittleEndian.put32(buf, XattrBlock.H_REFCOUNT, refcount);
        LittleEndian.put32(buf, XattrBlock.H_BLOCKS, 1);
        int[] hashes = XattrTable.encode(items, buf, XattrBlock.HEADER_SIZE, buf.length, 0, true);
        LittleEndian.put32(buf, XattrBlock.H_HASH, XattrHash.blockHash(hashes));
        setBlockChecksum(fs, pblk, buf);
    }

    private static void setBlockChecksum(DiskView fs, long pblk, byte[] buf) {
        if (fs.hasMetadataCsum()) {
            LittleEndian.put32(buf, XattrBlock.H_CHECKSUM, XattrBlock.checksum(fs.csumSeed(), pblk, buf) & 0xFFFFFFFFL);
        }
    }

    private static void setFileAcl(byte[] raw, long pblk) {
        LittleEndian.put32(raw, Inode.I_FILE_ACL_LO, pblk & 0xFFFFFFFFL);
        LittleEndian.put16(raw, Inode.I_FILE_ACL_HIGH, (int) (pblk >>> 32));
    }

    /**
     * Adds {@code delta} filesystem blocks to i_blocks: 512-byte units, or filesystem blocks for
     * an inode with EXT4_HUGE_FILE_FL; the high 16 bits only with the huge_file feature.
     */
    private static void addBlocks(DiskView fs, Inode inode, byte[] raw, int delta) {
        boolean huge = fs.superblock().hasRoCompat(Features.RO_COMPAT_HUGE_FILE);
        long blocks = u32(raw, Inode.I_BLOCKS_LO) | (huge ? (long) u16(raw, Inode.I_BLOCKS_HIGH) << 32 : 0);
        long unit = huge && inode.hasFlag(InodeFlags.EXT4_HUGE_FILE_FL) ? 1 : fs.blockSize() / 512;
        long next = blocks + delta * unit;
        if (!(next >= 0 && next < (huge ? 1L << 48 : 1L << 32))) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, inode.ino(), CorruptionException.NO_BLOCK,
                    "inode " + inode.ino() + ": i_blocks " + blocks + " cannot account for its xattr block");
        }
        LittleEndian.put32(raw, Inode.I_BLOCKS_LO, next & 0xFFFFFFFFL);
        if (huge) {
            LittleEndian.put16(raw, Inode.I_BLOCKS_HIGH, (int) (next >>> 32));
        }
    }

    private static void checkRefcount(XattrBlock block, long ino) {
        if (!(block.refcount() > 0)) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, ino, block.pblk(),
                    "xattr block " + block.pblk() + " of inode " + ino + ": h_refcount is 0");
        }
    }

    private static void refuseEaInode(XattrItem item, long ino) {
        if (item.inEaInode()) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "xattr " + item.name() + " of inode " + ino
                    + " keeps its value in EA inode " + item.valueInum() + ", which this writer does not release");
        }
    }

    /** Where the kernel inserts {@code name} in a block: before the first entry not ordered before it. */
    private static int insertionPoint(List<XattrItem> items, XattrName name) {
        for (int k = 0; k < items.size(); k++) {
            if (name.compareInBlock(items.get(k).name()) <= 0) {
                return k;
            }
        }
        return items.size();
    }

    private static int indexOf(List<XattrItem> items, XattrName name) {
        for (int k = 0; k < items.size(); k++) {
            if (items.get(k).name().equals(name)) {
                return k;
            }
        }
        return -1;
    }

    private static boolean isAcl(XattrName name) {
        return name.index() == XattrNameIndex.POSIX_ACL_ACCESS || name.index() == XattrNameIndex.POSIX_ACL_DEFAULT;
    }

    /**
     * Parses a name user space hands in, with the kernel's errors: the VFS bounds the full name
     * (ERANGE), ext4's handlers accept only their namespaces (EOPNOTSUPP) and need a name after
     * the prefix (EINVAL).
     */
    static XattrName parseSettable(String fullName) {
        byte[] bytes = fullName.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > XATTR_NAME_MAX) {
            throw new Ext4Exception(Errno.ERANGE, "xattr name of " + bytes.length + " bytes (1.." + XATTR_NAME_MAX + " allowed)");
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new Ext4Exception(Errno.EINVAL, "xattr name contains a NUL byte");
            }
        }
        if (fullName.equals(POSIX_ACL_ACCESS) || fullName.equals(POSIX_ACL_DEFAULT)) {
            return XattrName.parse(bytes);
        }
        for (String prefix : SETTABLE_PREFIXES) {
            if (fullName.startsWith(prefix)) {
                if (fullName.length() == prefix.length()) {
                    throw new Ext4Exception(Errno.EINVAL, "xattr name \"" + fullName + "\" has nothing after its prefix");
                }
                return XattrName.parse(bytes);
            }
        }
        throw new Ext4Exception(Errno.EOPNOTSUPP, "xattr namespace of \"" + fullName + "\" is not supported by ext4");
    }
}
