package org.ext4j.core.spi;

import java.util.List;

/**
 * lseek(2) with SEEK_DATA or SEEK_HOLE, the one rule every caller of the SPI uses (the FUSE
 * backends' LSEEK, the command's sparse copy-out): written extents and inline data are data;
 * holes and unwritten extents are holes, as the kernel's ext4 reports them (ext4_iomap_begin_report
 * skips unwritten extents that hold no dirty pages, and a FUSE server has none); the end of the
 * file is a hole. Anything that is not a regular file is data from start to end.
 */
public final class SeekDataHole {
    private SeekDataHole() {
    }

    /**
     * The offset of the first data ({@link InodeFileSystem#SEEK_DATA}) or hole
     * ({@link InodeFileSystem#SEEK_HOLE}) at or after {@code offset} in {@code ino}, from the
     * block mappings {@code fs} reports.
     *
     * @throws Ext4Exception EINVAL for another whence, ENXIO for an offset outside the file or no
     *         data at or after it
     */
    public static long seek(InodeFileSystem fs, long ino, long offset, int whence) {
        if (whence != InodeFileSystem.SEEK_DATA && whence != InodeFileSystem.SEEK_HOLE) {
            throw new Ext4Exception(Errno.EINVAL, "lseek whence " + whence + " is not SEEK_DATA or SEEK_HOLE");
        }
        Attributes file = fs.getattr(ino);
        long size = file.size();
        if (offset < 0 || offset >= size) {
            throw new Ext4Exception(Errno.ENXIO, "offset " + offset + " is not within the " + size + " bytes of inode " + ino);
        }
        boolean wantData = whence == InodeFileSystem.SEEK_DATA;
        if (file.type() != FileType.REGULAR) {
            return wantData ? offset : size;
        }
        long at = offset;
        while (at < size) {
            long before = at;
            for (MappedExtent e : fs.mapBlocks(ino, at, size - at)) {
                long end = e.fileOffset() + e.length();
                if (end <= at) {
                    // A mapping may start at its block, before the byte asked for.
                    continue;
                }
                if (isData(e) == wantData) {
                    return Math.min(size, Math.max(at, e.fileOffset()));
                }
                at = end;
            }
            if (at == before) {
                throw new CorruptionException(CorruptionException.Structure.FILE_DATA, ino, CorruptionException.NO_BLOCK, "inode " + ino + ": block map made no progress at byte " + at);
            }
        }
        if (wantData) {
            throw new Ext4Exception(Errno.ENXIO, "no data at or after offset " + offset + " of inode " + ino);
        }
        return size;
    }

    /** True for the kinds that hold bytes: written blocks and inline data. */
    public static boolean isData(MappedExtent extent) {
        return extent.kind() == MappedExtent.Kind.MAPPED || extent.kind() == MappedExtent.Kind.INLINE;
    }
}
