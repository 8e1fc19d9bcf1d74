package org.ext4j.core.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import org.ext4j.core.io.FileBlockDevice;

/**
 * The parts of an {@link PosixFileSystem}, wired as the facade wires them, over an image opened with
 * the given options: for tests of one part at a time. Closing closes the filesystem.
 */
final class MountedParts implements AutoCloseable {
    final Ext4FileSystem fs;
    final MountState mount;
    final OpenFiles openFiles;
    final LiveInodes inodes;
    final AccessTimes accessTimes;
    final XattrOperations xattrs;
    final FileData data;
    final AttributeChanges attributes;
    final NamespaceOperations names;
    final IomapMapping iomap;

    private MountedParts(Ext4FileSystem fs, Clock clock) {
        this.fs = fs;
        this.mount = new MountState(fs, clock);
        this.openFiles = new OpenFiles(mount);
        this.inodes = new LiveInodes(mount, openFiles);
        this.accessTimes = new AccessTimes(mount, inodes);
        this.xattrs = new XattrOperations(mount, inodes);
        this.data = new FileData(mount, inodes, openFiles, accessTimes, xattrs);
        this.attributes = new AttributeChanges(mount, inodes, openFiles, data, xattrs);
        this.names = new NamespaceOperations(mount, inodes, openFiles, accessTimes, data);
        this.iomap = new IomapMapping(mount, inodes, xattrs);
    }

    static MountedParts open(Path image, OpenOptions options) throws IOException {
        return new MountedParts(Ext4FileSystem.open(FileBlockDevice.open(image, options.readOnly()), options), Clock.systemUTC());
    }

    /** Writes the running transaction to the image, so that debugfs and dumpe2fs see it. */
    void checkpoint() {
        fs.transactions().checkpoint();
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }
}
