package org.ext4j.dist;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * Reads the bytes of a regular file in an image in large reads: all of them into a stream
 * (cat), or only its data ranges into a host file whose holes stay holes (cp).
 */
final class ImageFileReader {
    /** Bytes per read: large enough that per-call overhead vanishes against the copying. */
    static final int CHUNK = 1 << 20;

    /** Told how many bytes were copied after each chunk (progress display). */
    interface Progress {
        void advanced(long bytes);
    }

    /** Told each range {@code [start, end)} of a file that holds data, in order. */
    private interface RangeVisitor {
        void range(long start, long end) throws IOException;
    }

    private ImageFileReader() {
    }

    /**
     * Copies the whole content of regular file {@code file} to {@code out}; stops at the size
     * getattr reported, so a damaged block map cannot make the copy run forever.
     */
    static long copy(InodeFileSystem fs, Attributes file, OutputStream out, Progress progress) throws IOException {
        long ino = file.ino();
        long handle = fs.open(Caller.ROOT, ino, InodeFileSystem.O_RDONLY);
        try {
            byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(file.size(), 1))];
            long offset = 0;
            long size = file.size();
            while (offset < size) {
                int want = (int) Math.min(buf.length, size - offset);
                int n = fs.read(ino, handle, offset, buf, 0, want);
                if (!(n > 0)) {
                    throw new CorruptionException(CorruptionException.Structure.FILE_DATA, ino, CorruptionException.NO_BLOCK,
                            "inode " + ino + ": content ends at byte " + offset + " before its size " + size);
                }
                out.write(buf, 0, n);
                offset += n;
                if (progress != null) {
                    progress.advanced(n);
                }
            }
            return offset;
        } finally {
            fs.release(ino, handle);
        }
    }

    /**
     * The bytes of {@code file} that are data rather than holes: the sum of the ranges the
     * core's SEEK_DATA/SEEK_HOLE find (unwritten extents count as holes, as in the kernel).
     */
    static long dataBytes(WritableFileSystem fs, Attributes file) throws IOException {
        long[] sum = {0};
        long ino = file.ino();
        long handle = fs.open(Caller.ROOT, ino, InodeFileSystem.O_RDONLY);
        try {
            forEachDataRange(fs, ino, handle, file.size(), (start, end) -> sum[0] += end - start);
        } finally {
            fs.release(ino, handle);
        }
        return sum[0];
    }

    /**
     * Writes the data ranges of {@code file} at their offsets into {@code out} (an empty host
     * file) and nothing else, so its holes stay holes there, as {@code cp --sparse=always} leaves
     * them. A final hole is the caller's to add by setting the size. Returns the bytes written.
     */
    static long copySparse(WritableFileSystem fs, Attributes file, FileChannel out, Progress progress)
            throws IOException {
        long ino = file.ino();
        long size = file.size();
        long handle = fs.open(Caller.ROOT, ino, InodeFileSystem.O_RDONLY);
        try {
            byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(size, 1))];
            long[] written = {0};
            forEachDataRange(fs, ino, handle, size, (start, end) -> {
                for (long offset = start; offset < end; ) {
                    int want = (int) Math.min(buf.length, end - offset);
                    int n = fs.read(ino, handle, offset, buf, 0, want);
                    if (!(n > 0)) {
                        throw new CorruptionException(CorruptionException.Structure.FILE_DATA, ino, CorruptionException.NO_BLOCK,
                                "inode " + ino + ": content ends at byte " + offset + " before its size " + size);
                    }
                    ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
                    long at = offset;
                    while (chunk.hasRemaining()) {
                        at += out.write(chunk, at);
                    }
                    offset += n;
                    written[0] += n;
                    if (progress != null) {
                        progress.advanced(n);
                    }
                }
            });
            return written[0];
        } finally {
            fs.release(ino, handle);
        }
    }

    /**
     * Visits the data ranges of open file {@code ino} below {@code size}, as lseek SEEK_DATA then
     * SEEK_HOLE find them: the rule for what is data lives in the core, once.
     */
    private static void forEachDataRange(WritableFileSystem fs, long ino, long handle, long size, RangeVisitor visitor)
            throws IOException {
        long offset = 0;
        while (offset < size) {
            long data;
            try {
                data = fs.lseek(ino, handle, offset, WritableFileSystem.SEEK_DATA);
            } catch (Ext4Exception e) {
                if (e.errno() == Errno.ENXIO) {
                    return;
                }
                throw e;
            }
            long hole = fs.lseek(ino, handle, data, WritableFileSystem.SEEK_HOLE);
            // Each step must move forward, or a damaged map could keep the copy going forever.
            if (!(data >= offset && hole > data && hole <= size)) {
                throw new CorruptionException(CorruptionException.Structure.FILE_DATA, ino, CorruptionException.NO_BLOCK,
                        "inode " + ino + ": SEEK_DATA/SEEK_HOLE from " + offset + " gave data at " + data + ", hole at " + hole);
            }
            visitor.range(data, hole);
            offset = hole;
        }
    }
}
