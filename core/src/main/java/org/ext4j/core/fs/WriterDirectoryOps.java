package org.ext4j.core.fs;

import java.util.Optional;
import org.ext4j.core.dir.DirectoryReader;
import org.ext4j.core.dir.DirectoryWriter;
import org.ext4j.core.extent.BlockMapWriter;
import org.ext4j.core.extent.FileContentWriter;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.PosixAcl;
import org.ext4j.core.xattr.XattrReader;
import org.ext4j.core.xattr.XattrWriter;

/** {@link DirectoryOps} over the real writers: directory entries, block maps, xattrs. */
final class WriterDirectoryOps implements DirectoryOps {
    private final DirectoryWriter directories = new DirectoryWriter();
    private final XattrWriter xattrs;
    private final FileContentWriter files;

    WriterDirectoryOps(Writers writers) {
        this.xattrs = writers.xattrs();
        this.files = writers.files();
    }

    @Override
    public long lookup(Transaction tx, long dir, byte[] name) {
        return DirectoryReader.of(tx, InodeStore.read(tx, dir)).lookup(name).map(e -> e.ino()).orElse(-1L);
    }

    @Override
    public void add(Transaction tx, long dir, byte[] name, long ino, FileType type) {
        directories.add(tx, dir, name, ino, type);
    }

    @Override
    public void remove(Transaction tx, long dir, byte[] name) {
        directories.remove(tx, dir, name);
    }

    @Override
    public void initialize(Transaction tx, long dir, long parent) {
        DirectoryWriter.initialize(tx, dir, parent);
    }

    @Override
    public void setParent(Transaction tx, long dir, long parent) {
        directories.setParent(tx, dir, parent);
    }

    @Override
    public boolean isEmpty(Transaction tx, long dir) {
        return directories.isEmpty(tx, dir);
    }

    @Override
    public void releaseStorage(Transaction tx, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        FileType type = inode.type();
        boolean mapped = !inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)
                && (type == FileType.REGULAR || type == FileType.DIRECTORY
                    || type == FileType.SYMLINK && inode.blocks512(true, tx.fileSystem().blockSize()) > (inode.fileAcl() != 0 ? tx.fileSystem().blockSize() / 512 : 0));
        if (mapped) {
            BlockMapWriter map = BlockMapWriter.of(tx, ino, true);
            map.free(0, map.addressableBlocks());
        }
        xattrs.dropAll(tx, ino);
    }

    @Override
    public Optional<PosixAcl> defaultAcl(Transaction tx, long dir) {
        return XattrReader.of(tx).get(InodeStore.read(tx, dir), XattrWriter.POSIX_ACL_DEFAULT).map(PosixAcl::fromDisk);
    }

    @Override
    public void storeAcl(Transaction tx, long ino, String name, PosixAcl acl) {
        xattrs.setAcl(tx, ino, name, acl.toXattr(), true);
    }

    @Override
    public void writeSlowSymlink(Transaction tx, long ino, byte[] target) {
        files.write(tx, ino, 0, target, 0, target.length);
    }
}
