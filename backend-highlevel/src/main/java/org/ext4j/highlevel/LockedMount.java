package org.ext4j.highlevel;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.host.ImageLock;

/**
 * A {@link HighLevelMount} with the image lock the volume was opened under, released after the
 * volume: the mount handle of every backend built on libfuse3's high-level API (fuse3, macFUSE,
 * WinFsp), which differ only in how they describe the mount.
 */
public final class LockedMount implements MountHandle {
    private final HighLevelMount mount;
    private final ImageLock lock;
    private final String description;

    /** {@code lock} may be null (a volume opened without one); {@code description} is {@link #describe()}'s answer. */
    public LockedMount(HighLevelMount mount, ImageLock lock, String description) {
        this.mount = mount;
        this.lock = lock;
        this.description = description;
    }

    /** The ext4 label (s_volume_name) of the image, or "" when it cannot be read. */
    public static String label(Path image) {
        byte[] raw = new byte[1024];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(1024);
            f.readFully(raw);
            return Superblock.parse(raw).volumeName();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    @Override
    public Path mountpoint() {
        return mount.mountpoint();
    }

    @Override
    public boolean isMounted() {
        return mount.isMounted();
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void unmount() throws IOException {
        mount.unmount();
        if (!mount.isMounted()) {
            close();
        }
    }

    @Override
    public void waitUntilUnmounted() throws InterruptedException, IOException {
        mount.awaitExit();
        releaseLock();
    }

    @Override
    public void close() throws IOException {
        mount.close();
        releaseLock();
    }

    private void releaseLock() {
        if (lock != null) {
            lock.close();
        }
    }
}
