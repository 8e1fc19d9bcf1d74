package org.ext4j.core.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.StatFs;

/**
 * The {@link InodeFileSystem} over an {@link Ext4FileSystem}: what backends and the CLI use.
 */
public final class Ext4Volume implements InodeFileSystem {
    private final Ext4FileSystem fs;

    private Ext4Volume(Ext4FileSystem fs) {
        this.fs = fs;
    }

    /** Opens the image or block device at {@code path}. */
    public static Ext4Volume open(Path path, OpenOptions options) throws IOException {
        FileBlockDevice device = FileBlockDevice.open(path, options.readOnly());
        try {
            return new Ext4Volume(Ext4FileSystem.open(device, options));
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** Wraps an already opened filesystem. */
    public static Ext4Volume of(Ext4FileSystem fs) {
        return new Ext4Volume(fs);
    }

    /** The underlying filesystem (superblock, groups, raw inodes) for tools like {@code info}. */
    public Ext4FileSystem fileSystem() {
        return fs;
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        throw notYet();
    }

    @Override
    public Attributes getattr(long ino) {
        throw notYet();
    }

    @Override
    public byte[] readlink(long ino) {
        throw notYet();
    }

    @Override
    public long opendir(Caller caller, long ino) {
        throw notYet();
    }

    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        throw notYet();
    }

    @Override
    public void releasedir(long ino, long handle) {
    }

    @Override
    public long open(Caller caller, long ino, int flags) {
        throw notYet();
    }

    @Override
    public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        throw notYet();
    }

    @Override
    public void release(long ino, long handle) {
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        throw notYet();
    }

    @Override
    public StatFs statfs() {
        throw notYet();
    }

    @Override
    public byte[] getxattr(long ino, String name) {
        throw notYet();
    }

    @Override
    public List<String> listxattr(long ino) {
        throw notYet();
    }

    @Override
    public List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        throw notYet();
    }

    @Override
    public boolean isReadOnly() {
        return fs.isReadOnly();
    }

    @Override
    public String readOnlyReason() {
        return fs.readOnlyReason();
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }

    private static Ext4Exception notYet() {
        return new Ext4Exception(Errno.ENOSYS, "not implemented yet");
    }
}
