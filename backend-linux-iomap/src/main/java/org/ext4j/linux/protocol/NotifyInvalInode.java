package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_notify_inval_inode_out} (24 bytes, 7.12): u64 ino (the node id), s64 off,
 * s64 len. Sent unasked, as a notification with code {@link #CODE}: the kernel forgets the node's
 * cached attributes (and its cached ACLs), and with {@code offset >= 0} also the cached pages from
 * there ({@code length <= 0}: to the end). A negative offset touches attributes only, which takes
 * no page or inode lock, so it may be sent while a request on that node is still in flight.
 */
public record NotifyInvalInode(long nodeId, long offset, long length) implements OutStruct {
    /** FUSE_NOTIFY_INVAL_INODE. */
    public static final int CODE = 2;
    public static final int SIZE = 24;

    /** The notification that drops the cached attributes of {@code nodeId} and nothing else. */
    public static NotifyInvalInode attributes(long nodeId) {
        return new NotifyInvalInode(nodeId, -1, 0);
    }

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(nodeId).u64(offset).u64(length);
    }
}
