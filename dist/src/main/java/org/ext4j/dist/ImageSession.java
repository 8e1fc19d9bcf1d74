package org.ext4j.dist;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.host.ImageLock;

/**
 * The images one write command has open for writing: each opened once, however many operands
 * name it, and all closed (their changes flushed) at the end.
 */
final class ImageSession implements AutoCloseable {
    private final Map<Path, PosixFileSystem> volumes = new LinkedHashMap<>();
    /** The write lock of each open image, released after its volume is closed. */
    private final List<ImageLock> locks = new ArrayList<>();

    /**
     * The writable volume of {@code image}, opened on first use.
     *
     * @throws CommandFailure when it cannot be opened for writing
     */
    PosixFileSystem volume(Path image) {
        PosixFileSystem v = volumes.get(image);
        if (v == null) {
            ImageLock lock = ImageOpener.lockForWriting(image);
            try {
                v = ImageOpener.openWritable(image);
            } catch (RuntimeException e) {
                lock.close();
                throw e;
            }
            locks.add(lock);
            volumes.put(image, v);
        }
        return v;
    }

    /** Closes every volume; the first failure is thrown after all were tried. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (PosixFileSystem v : volumes.values()) {
            try {
                v.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        volumes.clear();
        locks.forEach(ImageLock::close);
        locks.clear();
        if (first != null) {
            throw first;
        }
    }
}
