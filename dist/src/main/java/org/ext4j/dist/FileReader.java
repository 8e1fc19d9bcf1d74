package org.ext4j.dist;

import java.io.IOException;
import java.io.OutputStream;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.InodeFileSystem;

/** Streams the bytes of a regular file in an image to an output stream, in large reads. */
final class FileReader {
    /** Bytes per read: large enough that per-call overhead vanishes against the copying. */
    static final int CHUNK = 1 << 20;

    /** Told how many bytes were copied after each chunk (progress display). */
    interface Progress {
        void advanced(long bytes);
    }

    private FileReader() {
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
                CorruptionException.check(n > 0, "inode " + ino + ": content ends at byte " + offset + " before its size " + size);
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
}
