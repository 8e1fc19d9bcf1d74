package org.ext4j.core.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.extent.FileContentWriter;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.Namespace;
import org.ext4j.core.fs.NamespaceFixture;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.tx.TransactionManager;
import org.ext4j.core.xattr.XattrWriter;

// An image opened read-write with a JournalWriter under its TransactionManager, and namespace operations each committed as one transaction.
final class JournaledImage implements AutoCloseable {
    static final long ROOT = 2;

    final Path image;
    final Ext4FileSystem fs;
    final JournalWriter writer;
    final TransactionManager tm;
    private final Namespace namespace;
    private final FileContentWriter files;
    private final XattrWriter xattrs;
    private boolean closed;

    private JournaledImage(Path image, UnaryOperator<BlockDevice> wrap) {
        this.image = image;
        BlockDevice device;
        try {
            device = wrap.apply(FileBlockDevice.open(image, false));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        this.fs = Ext4FileSystem.open(device, OpenOptions.READ_WRITE);
        this.writer = JournalWriter.open(fs, fs.blockCache());
        this.tm = new TransactionManager(fs, fs.blockCache(), writer);
        this.namespace = NamespaceFixture.writerBacked(fs, Clock.systemUTC());
        this.files = new FileContentWriter(fs);
        this.xattrs = new XattrWriter(new BlockAllocator(new GroupAccounting(fs)));
    }

    static JournaledImage open(Path image) {
        return new JournaledImage(image, UnaryOperator.identity());
    }

    /** Opens {@code image} through a device decorator (recording writes and flushes, for instance). */
    static JournaledImage open(Path image, UnaryOperator<BlockDevice> wrap) {
        return new JournaledImage(image, wrap);
    }

    /**
     * Runs {@code change} in one handle and commits it into the running transaction; with
     * {@link #syncEach} (the default) the transaction is then written, as an fsync would.
     */
    void commit(Consumer<Transaction> change) {
        try (Transaction tx = tm.begin()) {
            change.accept(tx);
            tx.commit();
        }
        if (syncEach) {
            tm.sync();
        }
    }

    /** Whether {@link #commit} writes the running transaction after each handle. */
    boolean syncEach = true;

    long mkdir(long parent, String name) {
        long[] ino = new long[1];
        commit(tx -> ino[0] = namespace.mkdir(tx, Caller.ROOT, parent, bytes(name), 0755, 0));
        return ino[0];
    }

    /** Creates a regular file holding {@code data}, in one transaction. */
    long create(long parent, String name, byte[] data) {
        long[] ino = new long[1];
        commit(tx -> {
            ino[0] = namespace.mknod(tx, Caller.ROOT, parent, bytes(name), FileType.REGULAR.modeBits() | 0644, 0, 0, 0);
            if (data.length > 0) {
                files.write(tx, ino[0], 0, data, 0, data.length);
            }
        });
        return ino[0];
    }

    void write(long ino, long pos, byte[] data) {
        commit(tx -> files.write(tx, ino, pos, data, 0, data.length));
    }

    void setXattr(long ino, String name, byte[] value) {
        commit(tx -> xattrs.set(tx, ino, name, value, XattrWriter.SetMode.CREATE_OR_REPLACE));
    }

    long symlink(long parent, String name, String target) {
        long[] ino = new long[1];
        commit(tx -> ino[0] = namespace.symlink(tx, Caller.ROOT, parent, bytes(name), bytes(target)));
        return ino[0];
    }

    void unlink(long parent, String name) {
        commit(tx -> {
            long ino = namespace.unlink(tx, Caller.ROOT, parent, bytes(name));
            if (ino >= 0) {
                namespace.release(tx, ino);
            }
        });
    }

    void rename(long parent, String name, long newParent, String newName) {
        commit(tx -> {
            long replaced = namespace.rename(tx, Caller.ROOT, parent, bytes(name), newParent, bytes(newName), 0);
            if (replaced >= 0) {
                namespace.release(tx, replaced);
            }
        });
    }

    /** A copy of the image as it is on disk now: what a crash at this moment would leave. */
    Path crashCopy(Path dest) throws IOException {
        return Files.copy(image, dest, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Writes the running transaction, closes the writer (checkpoint, needs_recovery cleared) and the filesystem. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            tm.close();
        } finally {
            fs.close();
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
