package org.ext4j.linux.dispatch;

import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Attributes;
import org.ext4j.linux.protocol.AttrOut;
import org.ext4j.linux.protocol.EntryOut;
import org.ext4j.linux.protocol.FuseAttr;
import org.ext4j.linux.protocol.StatxOut;

/** The wire forms of the core's stat: the entry, attr and statx replies. */
final class AttributeReplies {
    /**
     * The inode flags ext4_getattr reports as stx_attributes, each the STATX_ATTR_* bit of the same
     * value (compressed, immutable, append, nodump, encrypted, verity); the mask is all of them.
     * The VFS adds automount, mount-root and dax itself.
     */
    static final long EXT4_STATX_ATTRIBUTES = InodeFlags.EXT4_COMPR_FL | InodeFlags.EXT4_IMMUTABLE_FL
            | InodeFlags.EXT4_APPEND_FL | InodeFlags.EXT4_NODUMP_FL | InodeFlags.EXT4_ENCRYPT_FL
            | InodeFlags.EXT4_VERITY_FL;

    private AttributeReplies() {
    }

    /** The entry the kernel is given for an inode (it then holds one lookup of it). */
    static EntryOut entry(Attributes a, DispatchOptions options) {
        return new EntryOut(NodeIds.toNodeId(a.ino()), Integer.toUnsignedLong(a.generation()),
                options.entryTimeoutSeconds(), options.attrTimeoutSeconds(), 0, 0, fuseAttr(a));
    }

    static AttrOut attr(Attributes a, DispatchOptions options) {
        return new AttrOut(options.attrTimeoutSeconds(), 0, fuseAttr(a));
    }

    static FuseAttr fuseAttr(Attributes a) {
        return new FuseAttr(a.ino(), a.size(), a.blocks512(), a.atime().seconds(), a.mtime().seconds(),
                a.ctime().seconds(), a.atime().nanos(), a.mtime().nanos(), a.ctime().nanos(), a.mode(), a.nlink(),
                a.uid(), a.gid(), FuseAttr.encodeDev(a.rdevMajor(), a.rdevMinor()), a.blockSize(), 0);
    }

    /**
     * statx with the birth time and ext4's attribute flags. The kernel asks only when a caller
     * wants more than the cached basic stats; Linux 6.18 keeps the basic stats and the birth time
     * of the answer but not stx_attributes, which only kernels that copy them show.
     */
    static StatxOut statx(Attributes a, DispatchOptions options) {
        int mask = StatxOut.STATX_BASIC_STATS | (a.crtime() != null ? StatxOut.STATX_BTIME : 0);
        long[] times = {a.atime().seconds(), a.atime().nanos(),
            a.crtime() != null ? a.crtime().seconds() : 0, a.crtime() != null ? a.crtime().nanos() : 0,
            a.ctime().seconds(), a.ctime().nanos(), a.mtime().seconds(), a.mtime().nanos()};
        return new StatxOut(options.attrTimeoutSeconds(), 0, mask, a.blockSize(), a.flags() & EXT4_STATX_ATTRIBUTES,
                a.nlink(), a.uid(), a.gid(), a.mode(), a.ino(), a.size(), a.blocks512(), EXT4_STATX_ATTRIBUTES, times,
                a.rdevMajor(), a.rdevMinor());
    }
}
