package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_backing_map} (7.40, 16 bytes): the argument of the BACKING_OPEN device
 * ioctl: an fd and flags whose low byte is the backing type (0 passthrough, 1 iomap).
 */
public record BackingMap(int fd, int flags) implements OutStruct {
    public static final int SIZE = 16;

    /** A block device registered for iomap. */
    public static BackingMap iomap(int fd) {
        return new BackingMap(fd, Iomap.BACKING_TYPE_IOMAP);
    }

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u32(fd).u32(flags).u64(0);
    }

    /** The struct as bytes, for copying into the ioctl's argument memory. */
    public byte[] toBytes() {
        WireWriter w = new WireWriter(SIZE);
        writeTo(w);
        return w.toByteArray();
    }
}
