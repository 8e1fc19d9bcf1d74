package org.ext4j.core.backend;

import java.nio.file.Path;
import org.ext4j.core.host.ImageLock;
import org.ext4j.core.spi.InodeFileSystem;

/**
 * An opened image as a backend gets it to mount: the filesystem, the image file or block device
 * it was opened from, and the write lock held on it. A mount takes ownership of all three.
 *
 * @param fs    the filesystem, opened with the mount options' {@link MountOptions#openOptions()}
 * @param image where it lives (a backend may serve a block device differently)
 * @param lock  the image's write lock; null for a read-only mount, which takes none
 */
public record Volume(InodeFileSystem fs, Path image, ImageLock lock) {
    public Volume {
        if (fs == null || image == null) {
            throw new IllegalArgumentException("a volume needs its filesystem and image");
        }
        if (lock == null && !fs.isReadOnly()) {
            throw new IllegalArgumentException("a writable volume must hold the image's lock");
        }
    }
}
