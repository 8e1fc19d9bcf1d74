package org.ext4j.highlevel.path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Path semantics over a real volume (an image made by mkfs.ext4, no mount): cached paths, the
 * core's references taken and given back, open files that outlive their names, hard links and
 * renames of directories with cached paths below them. Every test ends with e2fsck -fn clean.
 */
class PathOperationsTest {
    private static final Caller ROOT = Caller.ROOT;

    @TempDir
    Path temp;

    private Path image;
    private PosixFileSystem volume;
    private final AtomicInteger lookups = new AtomicInteger();
    private PathOperations ops;

    @BeforeEach
    void open() throws Exception {
        image = ImageFactory.mkfs(temp.resolve("p.img"), "16M");
        volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
        ops = new PathOperations(counting(volume));
    }

    @AfterEach
    void closeAndCheck() throws Exception {
        ops.dentries().clear();
        volume.close();
        ImageFactory.requireClean(image);
    }

    /** The volume with its lookups counted. */
    private WritableFileSystem counting(WritableFileSystem fs) {
        return (WritableFileSystem) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {WritableFileSystem.class}, (proxy, method, args) -> {
                    if (method.getName().equals("lookup")) {
                        lookups.incrementAndGet();
                    }
                    try {
                        return method.invoke(fs, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static byte[] p(String path) {
        return path.getBytes(StandardCharsets.UTF_8);
    }

    private long write(String path, String content) {
        long fh = ops.create(ROOT, p(path), 0644, 022, WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        assertEquals(b.length, ops.write(ROOT, fh, 0, b, b.length));
        return fh;
    }

    private String read(long fh) {
        byte[] buf = new byte[4096];
        return new String(buf, 0, ops.read(fh, 0, buf, buf.length), StandardCharsets.UTF_8);
    }

    @Test
    void aCachedPathIsResolvedWithoutWalkingAgain() {
        ops.mkdir(ROOT, p("/a"), 0755, 0);
        ops.mkdir(ROOT, p("/a/b"), 0755, 0);
        ops.release(write("/a/b/f", "x"));
        ops.dentries().clear();
        lookups.set(0);
        long ino = ops.getattr(ROOT, p("/a/b/f"), PathOperations.NO_HANDLE).ino();
        assertEquals(3, lookups.get(), "the first resolution looks up a, b and f");
        for (int i = 0; i < 10; i++) {
            assertEquals(ino, ops.getattr(ROOT, p("/a/b/f"), PathOperations.NO_HANDLE).ino());
        }
        assertEquals(3, lookups.get(), "later ones hit the cache");
        // A sibling shares the cached directories: only its own name is looked up.
        ops.release(write("/a/b/g", "y"));
        lookups.set(0);
        ops.getattr(ROOT, p("/a/b/g"), PathOperations.NO_HANDLE);
        assertEquals(1, lookups.get());
    }

    @Test
    void cachedInodesAreRetainedAndForgottenWhenTheirNameGoes() {
        ops.release(write("/f", "data"));
        long ino = ops.getattr(ROOT, p("/f"), PathOperations.NO_HANDLE).ino();
        assertEquals(1, ops.dentries().references(ino), "the cache holds the inode once");
        ops.unlink(ROOT, p("/f"));
        assertEquals(0, ops.dentries().references(ino));
        // Neither a handle nor the cache holds it: the core freed it at once, nothing is left on the orphan list.
        Ext4Exception gone = assertThrows(Ext4Exception.class, () -> volume.getattr(ino));
        assertEquals(Errno.ESTALE, gone.errno());
        assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class,
                () -> ops.getattr(ROOT, p("/f"), PathOperations.NO_HANDLE)).errno());
    }

    @Test
    void anUnlinkedOpenFileStaysReadableThroughItsHandleUntilReleased() {
        long fh = write("/open", "still here");
        long ino = ops.getattr(ROOT, p("/open"), PathOperations.NO_HANDLE).ino();
        ops.unlink(ROOT, p("/open"));
        assertEquals("still here", read(fh));
        assertEquals(0, ops.getattr(ROOT, null, fh).nlink(), "fstat through the handle: no links left");
        ops.truncate(ROOT, null, fh, 5);
        assertEquals("still", read(fh));
        ops.release(fh);
        assertEquals(Errno.ESTALE, assertThrows(Ext4Exception.class, () -> volume.getattr(ino)).errno(),
                "freed at the last release");
    }

    /**
     * libfuse hides an open file that is unlinked (renames it to .fuse_hidden + 16 hex digits
     * and unlinks that at the last release): the rename is the unlink, and the hidden path, which
     * no directory lists, still names the file, so that fstat without the handle works.
     */
    @Test
    void libfuseHidingAnOpenFileUnlinksItAndKeepsTheHiddenPath() {
        ops.mkdir(ROOT, p("/d"), 0755, 0);
        long fh = write("/d/open", "hidden but open");
        long ino = ops.getattr(ROOT, p("/d/open"), PathOperations.NO_HANDLE).ino();
        assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class,
                () -> ops.getattr(ROOT, p("/d/.fuse_hidden0000000300000001"), PathOperations.NO_HANDLE)).errno(),
                "libfuse's probe for a free hidden name");
        ops.rename(ROOT, p("/d/open"), p("/d/.fuse_hidden0000000300000001"), 0);
        assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class, () -> volume.lookup(ROOT, 
                ops.getattr(ROOT, p("/d"), PathOperations.NO_HANDLE).ino(), p(".fuse_hidden0000000300000001"))).errno(),
                "no directory holds the hidden name");
        // libfuse takes one off the link count of a hidden node: the path answers one more than the inode has.
        assertEquals(1, ops.getattr(ROOT, p("/d/.fuse_hidden0000000300000001"), PathOperations.NO_HANDLE).nlink());
        assertEquals(1, ops.getattr(ROOT, null, fh).nlink());
        assertEquals(0, volume.getattr(ino).nlink(), "unlinked in the core: on the orphan list");
        assertEquals("hidden but open", read(fh));
        ops.release(fh);
        ops.unlink(ROOT, p("/d/.fuse_hidden0000000300000001"));
        assertEquals(Errno.ESTALE, assertThrows(Ext4Exception.class, () -> volume.getattr(ino)).errno(),
                "freed at the last release");
        assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class,
                () -> ops.getattr(ROOT, p("/d/.fuse_hidden0000000300000001"), PathOperations.NO_HANDLE)).errno());
    }

    /**
     * A close and an unlink in parallel: our release let go of the last handle, but libfuse,
     * whose open count had not gone down yet, hid the file. The hide is still the unlink, and
     * libfuse's unlink of the hidden name at its release leaves nothing behind (it used to leave
     * a .fuse_hidden file on the image).
     */
    @Test
    void aHideAfterTheLastReleaseIsStillTheUnlink() {
        ops.release(write("/plain", "gone"));
        long ino = ops.getattr(ROOT, p("/plain"), PathOperations.NO_HANDLE).ino();
        long root = ops.getattr(ROOT, p("/"), PathOperations.NO_HANDLE).ino();
        ops.rename(ROOT, p("/plain"), p("/.fuse_hidden00000abc00000001"), 0);
        assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class,
                () -> volume.lookup(ROOT, root, p(".fuse_hidden00000abc00000001"))).errno(), "no hidden name on the image");
        assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class,
                () -> volume.lookup(ROOT, root, p("plain"))).errno(), "the old name is gone too");
        ops.unlink(ROOT, p("/.fuse_hidden00000abc00000001"));
        assertEquals(Errno.ESTALE, assertThrows(Ext4Exception.class, () -> volume.getattr(ino)).errno(), "freed");
        assertEquals(true, HiddenFiles.isHiddenName(p("/x/.fuse_hidden0123456789abcdef"), 3));
        assertEquals(false, HiddenFiles.isHiddenName(p("/.fuse_hidden0123456789abcdeF"), 1));
        assertEquals(false, HiddenFiles.isHiddenName(p("/.fuse_hidden0123456789abcde"), 1));
    }

    @Test
    void hardLinksAreOneInodeUnderTwoPaths() {
        ops.mkdir(ROOT, p("/d"), 0755, 0);
        ops.release(write("/d/one", "shared"));
        ops.link(ROOT, p("/d/one"), p("/two"));
        long a = ops.getattr(ROOT, p("/d/one"), PathOperations.NO_HANDLE).ino();
        long b = ops.getattr(ROOT, p("/two"), PathOperations.NO_HANDLE).ino();
        assertEquals(a, b);
        assertEquals(2, ops.dentries().references(a), "two names hold it");
        assertEquals(2, ops.getattr(ROOT, p("/two"), PathOperations.NO_HANDLE).nlink());
        ops.unlink(ROOT, p("/d/one"));
        assertEquals(1, ops.dentries().references(a));
        long fh = ops.open(ROOT, p("/two"), WritableFileSystem.O_RDONLY);
        assertEquals("shared", read(fh));
        ops.release(fh);
        assertEquals(1, ops.getattr(ROOT, p("/two"), PathOperations.NO_HANDLE).nlink());
    }

    @Test
    void renamingADirectoryMovesTheCachedPathsBelowIt() {
        ops.mkdir(ROOT, p("/d"), 0755, 0);
        ops.mkdir(ROOT, p("/d/sub"), 0755, 0);
        ops.release(write("/d/sub/f", "moved"));
        long ino = ops.getattr(ROOT, p("/d/sub/f"), PathOperations.NO_HANDLE).ino();
        ops.rename(ROOT, p("/d"), p("/e"), 0);
        assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class,
                () -> ops.getattr(ROOT, p("/d/sub/f"), PathOperations.NO_HANDLE)).errno());
        assertEquals(ino, ops.getattr(ROOT, p("/e/sub/f"), PathOperations.NO_HANDLE).ino());
        // A new /d with a new file of the same path is that file, not the cached old one.
        ops.mkdir(ROOT, p("/d"), 0755, 0);
        ops.mkdir(ROOT, p("/d/sub"), 0755, 0);
        ops.release(write("/d/sub/f", "new"));
        long fresh = ops.getattr(ROOT, p("/d/sub/f"), PathOperations.NO_HANDLE).ino();
        assertEquals(false, fresh == ino);
    }

    @Test
    void renameOverACachedTargetFreesTheReplacedInode() {
        ops.release(write("/src", "new content"));
        ops.release(write("/dst", "old content"));
        long old = ops.getattr(ROOT, p("/dst"), PathOperations.NO_HANDLE).ino();
        long moved = ops.getattr(ROOT, p("/src"), PathOperations.NO_HANDLE).ino();
        ops.rename(ROOT, p("/src"), p("/dst"), 0);
        assertEquals(Errno.ESTALE, assertThrows(Ext4Exception.class, () -> volume.getattr(old)).errno());
        assertEquals(moved, ops.getattr(ROOT, p("/dst"), PathOperations.NO_HANDLE).ino());
        long fh = ops.open(ROOT, p("/dst"), WritableFileSystem.O_RDONLY);
        assertEquals("new content", read(fh));
        ops.release(fh);
    }

    @Test
    void renameExchangeSwapsTheCachedNames() {
        ops.release(write("/x", "x"));
        ops.mkdir(ROOT, p("/y"), 0755, 0);
        long x = ops.getattr(ROOT, p("/x"), PathOperations.NO_HANDLE).ino();
        long y = ops.getattr(ROOT, p("/y"), PathOperations.NO_HANDLE).ino();
        ops.rename(ROOT, p("/x"), p("/y"), WritableFileSystem.RENAME_EXCHANGE);
        assertEquals(y, ops.getattr(ROOT, p("/x"), PathOperations.NO_HANDLE).ino());
        assertEquals(x, ops.getattr(ROOT, p("/y"), PathOperations.NO_HANDLE).ino());
    }

    @Test
    void aFullCacheLetsHalfGoAndForgetsWhatItDropped() {
        DentryCache small = new DentryCache(volume, 8);
        for (int i = 0; i < 20; i++) {
            ops.release(write("/n" + i, "" + i));
        }
        for (int i = 0; i < 20; i++) {
            small.resolve(ROOT, p("/n" + i));
        }
        assertEquals(true, small.size() <= 8, "size " + small.size());
        assertEquals(true, small.indexSize() <= 8, "whole paths indexed: " + small.indexSize());
        for (int i = 0; i < 20; i++) {
            long ino = volume.lookup(ROOT, InodeFileSystemRoot.ROOT, p("n" + i)).ino();
            assertEquals(true, small.references(ino) <= 1);
        }
        small.clear();
        ops.unlink(ROOT, p("/n3"));
    }

    /** The root inode number, named for the lookups above. */
    private static final class InodeFileSystemRoot {
        static final long ROOT = org.ext4j.core.spi.InodeFileSystem.ROOT_INO;
    }

    @Test
    void handleCallsWithoutAHandleOrPathAreRefused() {
        assertEquals(Errno.EBADF, assertThrows(Ext4Exception.class, () -> ops.getattr(ROOT, null, 12345)).errno());
        assertEquals(Errno.EBADF, assertThrows(Ext4Exception.class, () -> ops.read(12345, 0, new byte[1], 1)).errno());
    }

    @Test
    void readArrayStaysUnchangedBeyondTheData() {
        long fh = write("/short", "ab");
        byte[] buf = {9, 9, 9, 9};
        assertEquals(2, ops.read(fh, 0, buf, 4));
        assertArrayEquals(new byte[] {'a', 'b', 9, 9}, buf);
        ops.release(fh);
    }
}
