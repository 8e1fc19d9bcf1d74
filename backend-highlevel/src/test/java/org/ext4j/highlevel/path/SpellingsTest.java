package org.ext4j.highlevel.path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link NamePolicy} with two spellings per name (here: upper and lower case, stored in lower
 * case), an {@link XattrNaming} with a prefix, and opens that are always read/write, over a real
 * volume (no mount): what a port relies on.
 */
class SpellingsTest {
    private static final Caller ROOT = Caller.ROOT;

    /** Lower and upper case spell the same name; new names are stored in lower case; "bad" is refused. */
    private static final NamePolicy CASES = new NamePolicy() {
        @Override
        public List<byte[]> alternatives(byte[] name) {
            String s = new String(name, StandardCharsets.US_ASCII);
            String other = s.equals(s.toLowerCase()) ? s.toUpperCase() : s.toLowerCase();
            return other.equals(s) ? List.of() : List.of(other.getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public byte[] forNewEntry(byte[] name) {
            String s = new String(name, StandardCharsets.US_ASCII);
            if (s.equals("bad")) {
                throw new Ext4Exception(Errno.EPERM, "refused");
            }
            return s.toLowerCase().getBytes(StandardCharsets.US_ASCII);
        }
    };

    private static final XattrNaming PREFIXED = new XattrNaming() {
        @Override
        public String toCore(String hostName) {
            return "user." + hostName;
        }

        @Override
        public String toHost(String coreName) {
            return coreName.startsWith("user.") ? coreName.substring(5) : null;
        }
    };

    @TempDir
    Path temp;
    private Path image;
    private PosixFileSystem volume;
    private PathOperations ops;

    @BeforeEach
    void open() throws Exception {
        image = ImageFactory.mkfs(temp.resolve("s.img"), "16M");
        volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
        ops = new PathOperations(volume, CASES, PREFIXED, true);
    }

    @AfterEach
    void closeAndCheck() throws Exception {
        ops.dentries().clear();
        volume.close();
        ImageFactory.requireClean(image);
    }

    private static byte[] p(String path) {
        return path.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void oneEntryWhateverTheSpelling() {
        ops.release(ops.create(ROOT, p("/Mixed"), 0644, 022, WritableFileSystem.O_WRONLY));
        assertEquals(List.of("mixed"), names());
        long a = ops.getattr(ROOT, p("/MIXED"), PathOperations.NO_HANDLE).ino();
        assertEquals(a, ops.getattr(ROOT, p("/mixed"), PathOperations.NO_HANDLE).ino());
        ops.release(ops.create(ROOT, p("/MIXED"), 0644, 022, WritableFileSystem.O_WRONLY));
        assertEquals(List.of("mixed"), names(), "created again under the stored spelling, not beside it");
        ops.rename(ROOT, p("/MIXED"), p("/OTHER"), 0);
        assertEquals(List.of("other"), names());
        ops.unlink(ROOT, p("/OTHER"));
        assertEquals(List.of(), names());
        assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class,
                () -> ops.getattr(ROOT, p("/mixed"), PathOperations.NO_HANDLE)).errno(), "both spellings were dropped");
        assertEquals(Errno.EPERM, assertThrows(Ext4Exception.class, () -> ops.mkdir(ROOT, p("/bad"), 0755, 022)).errno());
    }

    @Test
    void xattrNamesAreMapped() {
        ops.release(ops.create(ROOT, p("/f"), 0644, 022, WritableFileSystem.O_WRONLY));
        ops.setxattr(ROOT, p("/f"), "tag", new byte[] {1}, 0);
        assertArrayEquals(new byte[] {1}, volume.getxattr(ops.getattr(ROOT, p("/f"), PathOperations.NO_HANDLE).ino(),
                "user.tag"));
        assertEquals(List.of("tag"), ops.listxattr(ROOT, p("/f")));
    }

    @Test
    void aRefusedReadWriteOpenIsRetriedReadOnly() {
        ops.release(ops.create(ROOT, p("/ro"), 0444, 022, WritableFileSystem.O_WRONLY));
        Caller owner = new Caller(1000, 1000, new long[0], 1);
        ops.chown(ROOT, p("/ro"), PathOperations.NO_HANDLE, 1000, 1000);
        long fh = ops.open(owner, p("/ro"), WritableFileSystem.O_RDWR);
        try {
            assertEquals(0, ops.read(fh, 0, new byte[1], 1), "readable");
            assertEquals(Errno.EBADF, assertThrows(Ext4Exception.class,
                    () -> ops.write(owner, fh, 0, new byte[] {1}, 1)).errno(), "not writable through it");
        } finally {
            ops.release(fh);
        }
        PathOperations strict = new PathOperations(volume, CASES, PREFIXED, false);
        assertEquals(Errno.EACCES, assertThrows(Ext4Exception.class,
                () -> strict.open(owner, p("/ro"), WritableFileSystem.O_RDWR)).errno(), "without the flag: refused");
        strict.dentries().clear();
    }

    private List<String> names() {
        long dir = ops.opendir(ROOT, p("/"));
        try {
            return ops.readdir(dir, 0, 100).stream().map(DirectoryEntry::nameString)
                    .filter(n -> !n.equals(".") && !n.equals("..") && !n.equals("lost+found")).sorted().toList();
        } finally {
            ops.releasedir(dir);
        }
    }
}
