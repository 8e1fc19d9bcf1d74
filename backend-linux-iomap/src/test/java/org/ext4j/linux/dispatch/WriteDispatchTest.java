package org.ext4j.linux.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.protocol.HandBytes;
import org.ext4j.linux.protocol.NotifyInvalInode;
import org.ext4j.linux.protocol.Opcode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write requests as raw bytes through the dispatcher into the real core on an image made by
 * mkfs.ext4; the image is then checked with e2fsck -fn and read back with debugfs.
 */
class WriteDispatchTest {
    static final int LOOKUP = 1, FORGET = 2, SETATTR = 4, SYMLINK = 6, MKNOD = 8, MKDIR = 9, UNLINK = 10, RMDIR = 11, LINK = 13, OPEN = 14,
            READ = 15, WRITE = 16, STATFS = 17, RELEASE = 18, FSYNC = 20, SETXATTR = 21, GETXATTR = 22, INIT = 26, CREATE = 35,
            DESTROY = 38, IOCTL = 39, FALLOCATE = 43, RENAME2 = 45, LSEEK = 46, COPY_FILE_RANGE = 47, SYNCFS = 50,
            TMPFILE = 51, COPY_FILE_RANGE_64 = 53;

    @TempDir
    Path temp;
    Path image;
    PosixFileSystem volume;
    FuseDispatcher dispatcher;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    long unique = 1;

    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    }

    @BeforeEach
    void setUp() throws Exception {
        image = temp.resolve("w.img");
        Tools.run(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", image.toString(), "16M")).requireExit(0);
        volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
        dispatcher = new FuseDispatcher(volume, DispatchOptions.DEFAULT, new PrintStream(log, true));
        assertEquals(0, call(INIT, 0, FuseDispatcherTest.initBody(45, -1L)).error());
    }

    @AfterEach
    void closeVolume() throws Exception {
        volume.close();
    }

    FuseDispatcherTest.Reply call(int opcode, long nodeId, byte[] body) {
        return call(opcode, nodeId, 0, 0, body);
    }

    FuseDispatcherTest.Reply call(int opcode, long nodeId, long uid, long gid, byte[] body) {
        long u = unique++;
        byte[] raw = dispatcher.handle(HandBytes.request(opcode, u, nodeId, uid, gid, 0, body));
        FuseDispatcherTest.Reply r = FuseDispatcherTest.Reply.of(raw);
        assertEquals(u, r.unique());
        return r;
    }

    static byte[] z(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    static long nodeId(FuseDispatcherTest.Reply entry) {
        assertEquals(0, entry.error(), "an entry, not an error");
        return entry.body().getLong(0);
    }

    static int mode(FuseDispatcherTest.Reply entry) {
        return entry.body().getInt(40 + 60);
    }

    @Test
    void namespaceContentAndAttributesReachTheImage() throws Exception {
        FuseDispatcherTest.Reply dir = call(MKDIR, 1, HandBytes.start().u32(0777).u32(022).bytes(z("d")).toArray());
        long d = nodeId(dir);
        assertEquals(040755, mode(dir), "DONT_MASK granted: the server applied the umask");
        assertEquals(1, dispatcher.lookupCounts().count(d), "the kernel holds the new entry");

        // As root: the directory is 0755. The caller's ids come from the request header.
        assertEquals(0, call(SETATTR, d, HandBytes.start().u32(2 | 4).u32(0).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0)
                .u32(0).u32(0).u32(0).u32(0).u32(0).u32(1000).u32(1000).u32(0).toArray()).error(), "chown d 1000:1000");
        FuseDispatcherTest.Reply created = call(CREATE, d, 1000, 1000,
                HandBytes.start().u32(01 | 0100).u32(0100666).u32(002).u32(0).bytes(z("f")).toArray());
        assertEquals(16 + 144, created.len());
        long f = nodeId(created);
        assertEquals(0100664, mode(created));
        assertEquals(1000, created.body().getInt(40 + 68), "owned by the caller");
        long fh = created.body().getLong(128);

        byte[] data = "hello, world".getBytes(StandardCharsets.US_ASCII);
        FuseDispatcherTest.Reply w = call(WRITE, f, 1000, 1000, HandBytes.start().u64(fh).u64(0).u32(data.length).u32(0)
                .u64(0).u32(0).u32(0).bytes(data).toArray());
        assertEquals(data.length, w.body().getInt(0));

        // ftruncate to 5 through the handle, and an explicit mtime with nanoseconds.
        FuseDispatcherTest.Reply attr = call(SETATTR, f, 1000, 1000, HandBytes.start()
                .u32(8 | 32 | 64).u32(0).u64(fh).u64(5).u64(0).u64(0).u64(1_600_000_000L).u64(0)
                .u32(0).u32(123_456_789).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0).toArray());
        assertEquals(0, attr.error());
        assertEquals(5, attr.body().getLong(16 + 8), "size");
        assertEquals(1_600_000_000L, attr.body().getLong(16 + 32), "mtime");
        assertEquals(123_456_789, attr.body().getInt(16 + 52), "mtime nanoseconds");

        assertEquals(0, call(FSYNC, f, HandBytes.start().u64(fh).u32(0).u32(0).toArray()).error());
        assertEquals(0, call(RELEASE, f, HandBytes.start().u64(fh).u32(0).u32(0).u64(0).toArray()).error());

        FuseDispatcherTest.Reply link = call(LINK, 1, HandBytes.start().u64(f).bytes(z("hard")).toArray());
        assertEquals(f, nodeId(link));
        assertEquals(2, link.body().getInt(40 + 64), "nlink");
        assertEquals(0, call(SYMLINK, 1, HandBytes.start().bytes(z("sym")).bytes(z("d/f")).toArray()).error());
        int fifoMode = 0010640;
        assertEquals(0010640, mode(call(MKNOD, d, HandBytes.start().u32(fifoMode).u32(0).u32(0).u32(0)
                .bytes(z("fifo")).toArray())));

        // The extended setxattr layout (SETXATTR_EXT was granted) and the value read back.
        assertEquals(0, call(SETXATTR, f, HandBytes.start().u32(4).u32(0).u32(0).u32(0).bytes(z("user.colour"))
                .bytes("blue".getBytes(StandardCharsets.US_ASCII)).toArray()).error());
        FuseDispatcherTest.Reply x = call(GETXATTR, f, HandBytes.start().u32(64).u32(0).bytes(z("user.colour")).toArray());
        assertEquals("blue", StandardCharsets.US_ASCII.decode(x.body()).toString());

        // Errors come back as the core's errnos.
        assertEquals(-Errno.EEXIST.code(), call(MKDIR, 1, HandBytes.start().u32(0755).u32(0).bytes(z("d")).toArray()).error());
        assertEquals(-Errno.ENAMETOOLONG.code(), call(MKDIR, 1, HandBytes.start().u32(0755).u32(0)
                .bytes(z("n".repeat(256))).toArray()).error());
        assertEquals(-Errno.EEXIST.code(), call(RENAME2, 1, HandBytes.start().u64(1).u32(1).u32(0).bytes(z("hard"))
                .bytes(z("sym")).toArray()).error(), "RENAME_NOREPLACE");
        assertEquals(-Errno.ENOTEMPTY.code(), call(RMDIR, 1, z("d")).error());
        assertEquals(0, call(UNLINK, 1, z("sym")).error());
        assertEquals(0, call(SYNCFS, 1, new byte[8]).error());
        assertEquals(0, call(DESTROY, 1, new byte[0]).error());
        assertTrue(dispatcher.destroyed());
        volume.close();

        ImageFactory.requireClean(image);
        Debugfs debugfs = new Debugfs(image);
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), debugfs.cat("/d/f"));
        Debugfs.InodeStat stat = debugfs.stat("/hard");
        assertEquals(f, stat.ino());
        assertEquals(2, stat.links());
        assertEquals(0100664, stat.mode() | 0100000);
        assertEquals(Instant.ofEpochSecond(1_600_000_000L, 123_456_789), stat.mtime());
        assertArrayEquals("blue".getBytes(StandardCharsets.US_ASCII), debugfs.eaList("/d/f").get("user.colour"));
        assertFalse(debugfs.lookup("/sym").isPresent());
        assertTrue(debugfs.lookup("/d/fifo").isPresent());
    }

    @Test
    void copyFileRangeFallocateLseekAndFileFlags() throws Exception {
        long f = nodeId(call(CREATE, 1, HandBytes.start().u32(02 | 0100).u32(0100644).u32(0).u32(0).bytes(z("src")).toArray()));
        long g = nodeId(call(CREATE, 1, HandBytes.start().u32(02 | 0100).u32(0100644).u32(0).u32(0).bytes(z("dst")).toArray()));
        long fhF = dispatcherHandle(f);
        long fhG = dispatcherHandle(g);
        byte[] data = new byte[300_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        call(WRITE, f, HandBytes.start().u64(fhF).u64(0).u32(data.length).u32(0).u64(0).u32(0).u32(0).bytes(data).toArray());
        byte[] copyIn = HandBytes.start().u64(fhF).u64(1000).u64(g).u64(fhG).u64(10).u64(200_000).u64(0).toArray();
        assertEquals(200_000L, call(COPY_FILE_RANGE_64, f, copyIn).body().getLong(0));
        FuseDispatcherTest.Reply narrow = call(COPY_FILE_RANGE, f, HandBytes.start().u64(fhF).u64(299_990).u64(g)
                .u64(fhG).u64(0).u64(1000).u64(0).toArray());
        assertEquals(8, narrow.len() - 16);
        assertEquals(10, narrow.body().getInt(0), "stops at the end of the source");

        // Punch a hole (PUNCH_HOLE | KEEP_SIZE) in the source and find it with SEEK_HOLE / SEEK_DATA.
        assertEquals(0, call(FALLOCATE, f, HandBytes.start().u64(fhF).u64(65536).u64(65536).u32(3).u32(0).toArray()).error());
        assertEquals(65536, call(LSEEK, f, HandBytes.start().u64(fhF).u64(0).u32(4).u32(0).toArray()).body().getLong(0));
        assertEquals(131072, call(LSEEK, f, HandBytes.start().u64(fhF).u64(65536).u32(3).u32(0).toArray()).body().getLong(0));

        // lsattr/chattr: FSGETXATTR as the kernel's SETFLAGS does first, then SETFLAGS +d (nodump), then GETFLAGS.
        FuseDispatcherTest.Reply xattr = call(IOCTL, f, HandBytes.start().u64(fhF).u32(0).u32(0x801c581f).u64(0)
                .u32(0).u32(28).toArray());
        assertEquals(16 + 16 + 28, xattr.len());
        assertEquals(0, xattr.body().getInt(16), "no xflags yet");
        FuseDispatcherTest.Reply get = call(IOCTL, f, HandBytes.start().u64(fhF).u32(0).u32(0x80086601).u64(0).u32(0).u32(4)
                .toArray());
        int flags = get.body().getInt(16);
        assertEquals(0x80000, flags & 0x80000, "EXTENTS_FL is visible");
        assertEquals(16 + 16, call(IOCTL, f, HandBytes.start().u64(fhF).u32(0).u32(0x40086602).u64(0).u32(4).u32(0)
                .u32(flags | 0x40).toArray()).len());
        assertEquals(0x40, call(IOCTL, f, HandBytes.start().u64(fhF).u32(0).u32(0x80086601).u64(0).u32(0).u32(4)
                .toArray()).body().getInt(16) & 0x40);
        assertEquals(-25, call(IOCTL, f, HandBytes.start().u64(fhF).u32(0).u32(0xc020660b).u64(0).u32(32).u32(32)
                .zeros(32).toArray()).error(), "FS_IOC_FIEMAP and anything else: ENOTTY");
        FuseDispatcherTest.Reply tmp = call(TMPFILE, 1, HandBytes.start().u32(2).u32(0100600).u32(0).u32(0).toArray());
        if (tmp.error() == 0) {
            assertEquals(16 + 144, tmp.len(), "an entry and an open handle");
            call(RELEASE, tmp.body().getLong(0), HandBytes.start().u64(tmp.body().getLong(128)).u32(0).u32(0).u64(0).toArray());
        } else {
            assertEquals(-Errno.ENOSYS.code(), tmp.error(), "the core's errno, not remapped: the kernel then says EOPNOTSUPP");
        }
        call(RELEASE, f, HandBytes.start().u64(fhF).u32(0).u32(0).u64(0).toArray());
        call(RELEASE, g, HandBytes.start().u64(fhG).u32(0).u32(0).u64(0).toArray());
        volume.close();

        ImageFactory.requireClean(image);
        Debugfs debugfs = new Debugfs(image);
        byte[] expected = new byte[200_010];
        System.arraycopy(data, 299_990, expected, 0, 10);
        System.arraycopy(data, 1000, expected, 10, 200_000);
        assertArrayEquals(expected, debugfs.cat("/dst"));
        assertTrue(debugfs.stat("/src").hasFlag(0x40), "EXT4_NODUMP_FL on disk");
        assertEquals(0, debugfs.bmap("/src", 16), "the punched block is a hole");
    }

    @Test
    void changesNoReplyReportsInvalidateTheKernelsAttributes() throws Exception {
        List<byte[]> sent = new java.util.ArrayList<>();
        dispatcher.sendNotificationsTo(sent::add);
        long f = nodeId(call(CREATE, 1, HandBytes.start().u32(02 | 0100).u32(0100644).u32(0).u32(0).bytes(z("f")).toArray()));
        call(SETATTR, f, HandBytes.start().u32(2 | 4).u32(0).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0)
                .u32(0).u32(0).u32(0).u32(0).u32(0).u32(1000).u32(1000).u32(0).toArray());
        call(SETATTR, f, HandBytes.start().u32(1).u32(0).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0)
                .u32(0).u32(0).u32(0).u32(06776).u32(0).u32(0).u32(0).u32(0).toArray());
        long fh = dispatcherHandle(f);
        byte[] write = HandBytes.start().u64(fh).u64(0).u32(1).u32(0).u64(0).u32(0).u32(0).u8('x').toArray();
        call(WRITE, f, write);
        assertEquals(0, sent.size(), "root keeps setuid and setgid: nothing to tell");

        call(WRITE, f, 1001, 1000, write);
        assertEquals(1, sent.size(), "a group member's write dropped setuid and setgid");
        FuseDispatcherTest.Reply note = FuseDispatcherTest.Reply.of(sent.get(0));
        assertEquals(NotifyInvalInode.CODE, note.error());
        assertEquals(0, note.unique());
        assertEquals(f, note.body().getLong(0));
        assertEquals(-1, note.body().getLong(8), "attributes only, the pages stay");
        call(WRITE, f, 1001, 1000, write);
        assertEquals(1, sent.size(), "nothing left to drop");

        call(IOCTL, f, HandBytes.start().u64(fh).u32(0).u32(0x801c581f).u64(0).u32(0).u32(28).toArray());
        assertEquals(1, sent.size(), "reading the flags changes nothing");
        int flags = call(IOCTL, f, HandBytes.start().u64(fh).u32(0).u32(0x80086601).u64(0).u32(0).u32(4).toArray())
                .body().getInt(16);
        call(IOCTL, f, HandBytes.start().u64(fh).u32(0).u32(0x40086602).u64(0).u32(4).u32(0).u32(flags | 0x80).toArray());
        assertEquals(2, sent.size(), "chattr +A moved ctime");
        assertEquals(f, FuseDispatcherTest.Reply.of(sent.get(1)).body().getLong(0));
        call(RELEASE, f, HandBytes.start().u64(fh).u32(0).u32(0).u64(0).toArray());
        volume.close();
        ImageFactory.requireClean(image);
        assertEquals(0776, new Debugfs(image).stat("/f").mode() & 07777);
    }

    @Test
    void aRefusedFallocateStillInvalidatesTheAttributes() throws Exception {
        // Without extents, ZERO_RANGE is refused after ext4_fallocate counted the call as a modification.
        volume.close();
        Tools.run(List.of("mkfs.ext4", "-q", "-F", "-t", "ext3", image.toString(), "16M")).requireExit(0);
        volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
        dispatcher = new FuseDispatcher(volume, DispatchOptions.DEFAULT, new PrintStream(log, true));
        call(INIT, 0, FuseDispatcherTest.initBody(45, -1L));
        List<byte[]> sent = new java.util.ArrayList<>();
        dispatcher.sendNotificationsTo(sent::add);
        FuseDispatcherTest.Reply created = call(CREATE, 1, HandBytes.start().u32(02 | 0100).u32(0100644).u32(0).u32(0)
                .bytes(z("f")).toArray());
        long f = nodeId(created);
        long fh = created.body().getLong(128);
        assertEquals(-Errno.EOPNOTSUPP.code(), call(FALLOCATE, f, HandBytes.start().u64(fh).u64(0).u64(4096).u32(0x10)
                .u32(0).toArray()).error());
        assertEquals(1, sent.size());
        assertEquals(f, FuseDispatcherTest.Reply.of(sent.get(0)).body().getLong(0));
        call(RELEASE, f, HandBytes.start().u64(fh).u32(0).u32(0).u64(0).toArray());
    }

    @Test
    void lookupOfDotNamesANodeByItsIdAsFileHandlesNeed() throws Exception {
        FuseDispatcherTest.Reply created = call(CREATE, 1, HandBytes.start().u32(02 | 0100).u32(0100644).u32(0).u32(0)
                .bytes(z("f")).toArray());
        long f = nodeId(created);
        long generation = created.body().getLong(8);
        call(RELEASE, f, HandBytes.start().u64(created.body().getLong(128)).u32(0).u32(0).u64(0).toArray());
        FuseDispatcherTest.Reply self = call(LOOKUP, f, z("."));
        assertEquals(f, nodeId(self), "a regular file, looked up by its own id");
        assertEquals(generation, self.body().getLong(8), "with its generation, which the kernel compares");
        assertEquals(2, dispatcher.lookupCounts().count(f), "the kernel holds one more reference");
        assertEquals(1, nodeId(call(LOOKUP, 1, z("."))), "the root");
        long d = nodeId(call(MKDIR, 1, HandBytes.start().u32(0755).u32(0).bytes(z("d")).toArray()));
        assertEquals(1, nodeId(call(LOOKUP, d, z(".."))), "a directory's parent, to reconnect it");
        assertEquals(-Errno.ESTALE.code(), call(LOOKUP, 8, z(".")).error(), "the journal is reserved");
        assertEquals(0, call(UNLINK, 1, z("f")).error());
        assertNull(dispatcher.handle(HandBytes.request(FORGET, unique++, f, HandBytes.start().u64(2).toArray())));
        assertEquals(-Errno.ESTALE.code(), call(LOOKUP, f, z(".")).error(), "freed");
    }

    /** Opens node {@code ino} read-write and returns the handle. */
    private long dispatcherHandle(long ino) {
        FuseDispatcherTest.Reply open = call(OPEN, ino, HandBytes.start().u32(2).u32(0).toArray());
        assertEquals(0, open.error());
        return open.body().getLong(0);
    }

    @Test
    void readOnlyVolumeAnswersErofsAndEnosysDoesNotLatch() throws Exception {
        volume.close();
        volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY);
        dispatcher = new FuseDispatcher(volume, DispatchOptions.DEFAULT, new PrintStream(log, true));
        call(INIT, 0, FuseDispatcherTest.initBody(45, -1L));
        assertEquals(-Errno.EROFS.code(), call(MKDIR, 1, HandBytes.start().u32(0755).u32(0).bytes(z("d")).toArray()).error());
        assertEquals(-Errno.EROFS.code(), call(CREATE, 1, HandBytes.start().u32(0101).u32(0100644).u32(0).u32(0)
                .bytes(z("f")).toArray()).error());
        assertEquals(-Errno.EROFS.code(), call(SETXATTR, 1, HandBytes.start().u32(1).u32(0).u32(0).u32(0)
                .bytes(z("user.a")).bytes(new byte[1]).toArray()).error());
        assertEquals(0, call(SYNCFS, 1, new byte[8]).error(), "nothing to sync");
        assertEquals(Errno.EOPNOTSUPP.code(), FuseDispatcher.replyErrno(Opcode.SETXATTR, Errno.ENOSYS),
                "the kernel would stop sending SETXATTR for good");
        assertEquals(Errno.ENOSYS.code(), FuseDispatcher.replyErrno(Opcode.TMPFILE, Errno.ENOSYS));
        assertEquals(Errno.ENOSYS.code(), FuseDispatcher.replyErrno(Opcode.SETATTR, Errno.ENOSYS));
        assertEquals(Errno.EACCES.code(), FuseDispatcher.replyErrno(Opcode.SETXATTR, Errno.EACCES));
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Creates regular file {@code name} in the root, closes it, and returns its node id (one lookup held). */
    private long createReleased(String name) {
        FuseDispatcherTest.Reply created = call(CREATE, 1, HandBytes.start().u32(02 | 0100).u32(0100644).u32(0).u32(0)
                .bytes(z(name)).toArray());
        long node = nodeId(created);
        long fh = created.body().getLong(128);
        assertEquals(0, call(RELEASE, node, HandBytes.start().u64(fh).u32(0).u32(0).u64(0).toArray()).error());
        return node;
    }

    /** Drops the kernel's one lookup of {@code node}. */
    private void forget(long node) {
        assertEquals(null, dispatcher.handle(HandBytes.request(FuseDispatcherTest.FORGET, unique++, node, 0, 0, 0,
                HandBytes.start().u64(1).toArray())), "FORGET has no reply");
    }

    /**
     * An inode the kernel still holds a lookup reference on outlives its last link, as an open file
     * does (FUSE semantics: node ids stay valid until FORGET): GETATTR after UNLINK still answers,
     * and the FORGET frees it. Without this a reader racing an unlink got EIO.
     */
    @Test
    void anUnlinkedInodeTheKernelStillKnowsLivesUntilItsForget() throws Exception {
        long node = createReleased("gone");
        assertEquals(0, call(UNLINK, 1, z("gone")).error());
        assertEquals(0, call(FuseDispatcherTest.GETATTR, node, new byte[16]).error(), "still known to the kernel");
        forget(node);
        assertTrue(call(FuseDispatcherTest.GETATTR, node, new byte[16]).error() < 0, "freed at its last forget");
        volume.close();
        Tools.run(List.of("e2fsck", "-fn", image.toString())).requireExit(0);
        String testi = Tools.run(List.of("debugfs", "-R", "testi <" + node + ">", image.toString())).requireExit(0).stdout();
        assertTrue(testi.contains("not in use"), testi);
        volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY);
    }

    /**
     * The kernel's ext4 frees an unlinked inode at its last iput: statfs counts it free at once and
     * the next create is handed its number. With forgets freed in the background (after a moment of
     * gathering) that must still hold; the kernel-parity suite's file_handles sequence relies on it.
     */
    @Test
    void aForgottenInodeIsFreeBeforeTheNextCreateOrStatfs() throws Exception {
        dispatcher.forgetInBackground();
        long freeBefore = freeInodes();
        long node = createReleased("first");
        assertEquals(0, call(UNLINK, 1, z("first")).error());
        forget(node);
        assertEquals(node, createReleased("second"), "the freed inode number is handed out again");
        assertEquals(freeBefore - 1, freeInodes());
        assertEquals(0, call(UNLINK, 1, z("second")).error());
        forget(node);
        assertEquals(freeBefore, freeInodes(), "statfs right after the FORGET counts the inode free");
        dispatcher.closeForgets();
        volume.close();
        Tools.run(List.of("e2fsck", "-fn", image.toString())).requireExit(0);
        volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY);
    }

    private long freeInodes() {
        FuseDispatcherTest.Reply r = call(STATFS, 1, new byte[0]);
        assertEquals(0, r.error());
        return r.body().getLong(32);
    }

    /**
     * With forgets handed over in the background (as a mount does), many FORGETs of unlinked
     * files are freed together: until then each inode is on the orphan list and still answers;
     * after closeForgets every one of them is freed, and the image is clean.
     */
    @Test
    void forgetsInTheBackgroundFreeEveryUnlinkedInode() throws Exception {
        dispatcher.forgetInBackground();
        List<Long> nodes = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long node = createReleased("bg" + i);
            assertEquals(0, call(UNLINK, 1, z("bg" + i)).error());
            nodes.add(node);
        }
        for (long node : nodes) {
            forget(node);
        }
        dispatcher.closeForgets();
        for (long node : nodes) {
            assertEquals(-Errno.ESTALE.code(), call(FuseDispatcherTest.GETATTR, node, new byte[16]).error(),
                    "node " + node + " freed");
        }
        volume.close();
        Tools.run(List.of("e2fsck", "-fn", image.toString())).requireExit(0);
        for (long node : nodes) {
            String testi = Tools.run(List.of("debugfs", "-R", "testi <" + node + ">", image.toString())).requireExit(0)
                    .stdout();
            assertTrue(testi.contains("not in use"), testi);
        }
        volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY);
    }

    /**
     * A node id whose inode was freed is a stale handle: GETATTR answers ESTALE, as the kernel
     * does, and logs nothing. A directory entry inside the filesystem naming a free inode (made
     * by debugfs clri) is still corruption: LOOKUP answers EUCLEAN and logs it.
     */
    @Test
    void aFreedNodeIsStaleButADanglingEntryIsCorruption() throws Exception {
        long node = createReleased("gone");
        assertEquals(0, call(UNLINK, 1, z("gone")).error());
        forget(node);
        log.reset();
        assertEquals(-Errno.ESTALE.code(), call(FuseDispatcherTest.GETATTR, node, new byte[16]).error());
        assertEquals("", log.toString(StandardCharsets.UTF_8), "a stale node id is not corruption");

        nodeId(call(MKDIR, 1, HandBytes.start().u32(0755).u32(0).bytes(z("dangling")).toArray()));
        volume.close();
        Tools.run(List.of("debugfs", "-w", "-R", "clri dangling", image.toString())).requireExit(0);
        volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY);
        dispatcher = new FuseDispatcher(volume, DispatchOptions.DEFAULT, new PrintStream(log, true));
        assertEquals(0, call(INIT, 0, FuseDispatcherTest.initBody(45, -1L)).error());
        log.reset();
        assertEquals(-Errno.EUCLEAN.code(), call(FuseDispatcherTest.LOOKUP, 1, z("dangling")).error());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("not in use"), log.toString(StandardCharsets.UTF_8));
    }
}
