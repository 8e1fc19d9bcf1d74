package org.ext4j.linux.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.StatFs;
import org.ext4j.linux.protocol.HandBytes;
import org.ext4j.linux.protocol.InitFlags;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dispatcher driven with raw request bytes (as the kernel would write them) against {@link FakeFileSystem}. */
class FuseDispatcherTest {
    static final int LOOKUP = 1, FORGET = 2, GETATTR = 3, READLINK = 5, MKDIR = 9, OPEN = 14, READ = 15, STATFS = 17,
            GETXATTR = 22, LISTXATTR = 23, INIT = 26, OPENDIR = 27, READDIR = 28, INTERRUPT = 36, READDIRPLUS = 44,
            LSEEK = 46;
    static final int ENOENT = 2, EIO = 5, ENXIO = 6, EINVAL = 22, EROFS = 30, ERANGE = 34, ENOSYS = 38,
            ENODATA = 61, EPROTO = 71;

    FakeFileSystem fs;
    ByteArrayOutputStream logBytes;
    FuseDispatcher dispatcher;
    long unique = 1;

    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    }

    @BeforeEach
    void setUp() {
        fs = new FakeFileSystem();
        logBytes = new ByteArrayOutputStream();
        dispatcher = new FuseDispatcher(fs, DispatchOptions.DEFAULT, new PrintStream(logBytes, true));
    }

    /** A decoded reply: header fields and the payload. */
    record Reply(int len, int error, long unique, ByteBuffer body) {
        static Reply of(byte[] raw) {
            ByteBuffer b = HandBytes.le(raw);
            assertEquals(raw.length, b.getInt(0), "fuse_out_header.len must equal the bytes written");
            ByteBuffer body = HandBytes.le(raw);
            body.position(16);
            return new Reply(b.getInt(0), b.getInt(4), b.getLong(8), body.slice().order(ByteOrder.LITTLE_ENDIAN));
        }
    }

    Reply call(int opcode, long nodeId, byte[] body) {
        long u = unique++;
        byte[] raw = dispatcher.handle(HandBytes.request(opcode, u, nodeId, 1000, 100, 0, body));
        Reply r = Reply.of(raw);
        assertEquals(u, r.unique());
        return r;
    }

    static byte[] initBody(int minor, long flags) {
        HandBytes b = HandBytes.start().u32(7).u32(minor).u32(131072).u32(flags & 0xFFFF_FFFFL);
        return minor >= 36 ? b.u32(flags >>> 32).zeros(44).toArray() : b.toArray();
    }

    void init() {
        assertEquals(0, call(INIT, 0, initBody(45, -1L)).error());
    }

    static byte[] name(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] readIn(long fh, long offset, int size) {
        return HandBytes.start().u64(fh).u64(offset).u32(size).u32(0).u64(0).u32(0).u32(0).toArray();
    }

    @Test
    void initWithA745KernelOfferingEverything() {
        Reply r = call(INIT, 0, initBody(45, -1L));
        assertEquals(0, r.error());
        assertEquals(16 + 64, r.len());
        ByteBuffer b = r.body();
        assertEquals(7, b.getInt(0));
        assertEquals(45, b.getInt(4));
        assertEquals(131072, b.getInt(8), "max_readahead echoes the kernel's");
        long flags = Integer.toUnsignedLong(b.getInt(12)) | Integer.toUnsignedLong(b.getInt(32)) << 32;
        assertEquals(InitFlags.ASYNC_READ | InitFlags.BIG_WRITES | InitFlags.PARALLEL_DIROPS | InitFlags.DO_READDIRPLUS
                | InitFlags.READDIRPLUS_AUTO | InitFlags.EXPORT_SUPPORT | InitFlags.CACHE_SYMLINKS | InitFlags.MAX_PAGES
                | InitFlags.ATOMIC_O_TRUNC | InitFlags.POSIX_ACL | InitFlags.DONT_MASK | InitFlags.SETXATTR_EXT
                | InitFlags.HANDLE_KILLPRIV | InitFlags.HANDLE_KILLPRIV_V2 | InitFlags.INIT_EXT, flags,
                "never WRITEBACK_CACHE, PASSTHROUGH or IOMAP");
        assertEquals(1 << 20, b.getInt(20), "max_write");
        assertEquals(1, b.getInt(24), "time_gran");
        assertEquals(256, Short.toUnsignedInt(b.getShort(28)), "max_pages");
        assertEquals(45, dispatcher.negotiatedMinor());
    }

    private long grantedFlags(Reply r) {
        return Integer.toUnsignedLong(r.body().getInt(12)) | Integer.toUnsignedLong(r.body().getInt(32)) << 32;
    }

    @Test
    void overIoUringIsAskedForOnlyWhenTheSessionHasRingsAndTheKernelOffersIt() {
        long bit41 = 1L << 41;
        assertEquals(0, grantedFlags(call(INIT, 0, initBody(45, -1L))) & bit41, "no rings, no ring");
        assertEquals(false, dispatcher.ioUringGranted());

        setUp();
        dispatcher.offerIoUring();
        assertEquals(bit41, grantedFlags(call(INIT, 0, initBody(45, -1L))) & bit41);
        assertEquals(true, dispatcher.ioUringGranted());

        setUp();
        dispatcher.offerIoUring();
        assertEquals(0, grantedFlags(call(INIT, 0, initBody(45, -1L & ~bit41))) & bit41,
                "not offered (enable_uring=N): /dev/fuse");
        assertEquals(false, dispatcher.ioUringGranted());

        setUp();
        dispatcher.offerIoUring();
        assertEquals(0, grantedFlags(call(INIT, 0, initBody(41, -1L))) & bit41, "bit 41 means nothing before 7.42");

        setUp();
        dispatcher.offerIoUring();
        long granted = grantedFlags(call(INIT, 0, initBody(46, -1L)));
        assertEquals(bit41, granted & bit41, "a 7.46 kernel takes the 6.14 commands");
        assertEquals(0, granted & (1L << 43), "FUSE_HAS_IO_URING_BUFPOOL is not echoed: no buffer pools");
    }

    @Test
    void initWithA731KernelHasNoFlags2() {
        long offered = InitFlags.ASYNC_READ | InitFlags.DO_READDIRPLUS | InitFlags.POSIX_ACL | InitFlags.WRITEBACK_CACHE;
        Reply r = call(INIT, 0, initBody(31, offered));
        assertEquals(0, r.error());
        assertEquals(31, r.body().getInt(4));
        assertEquals(InitFlags.ASYNC_READ | InitFlags.DO_READDIRPLUS | InitFlags.POSIX_ACL,
                Integer.toUnsignedLong(r.body().getInt(12)), "only what was both offered and wanted; never writeback cache");
        assertEquals(0, r.body().getInt(32), "flags2 stays zero before 7.36");
        assertEquals(0, r.body().getShort(28), "max_pages only with MAX_PAGES");
    }

    @Test
    void initVersionEdges() {
        assertEquals(45, call(INIT, 0, initBody(99, 0)).body().getInt(4), "a newer minor is capped at 45");
        setUp();
        Reply newer = call(INIT, 0, HandBytes.start().u32(8).u32(0).u32(0).u32(0).toArray());
        assertEquals(7, newer.body().getInt(0), "a newer major is answered with ours, without agreeing");
        assertEquals(0, dispatcher.negotiatedMinor());
        assertEquals(-EPROTO, call(INIT, 0, initBody(5, 0)).error());
    }

    @Test
    void requestBeforeInitIsRefused() {
        assertEquals(-EIO, call(GETATTR, 1, new byte[16]).error());
    }

    @Test
    void lookupAnswersAnEntryAndCountsIt() {
        init();
        Reply r = call(LOOKUP, 1, name("hello.txt"));
        assertEquals(0, r.error());
        assertEquals(16 + 128, r.len());
        ByteBuffer e = r.body();
        assertEquals(FakeFileSystem.HELLO, e.getLong(0), "nodeid = inode number");
        assertEquals(FakeFileSystem.HELLO * 31, e.getLong(8), "generation from Attributes");
        assertEquals(3600, e.getLong(16));
        assertEquals(3600, e.getLong(24));
        assertEquals(FakeFileSystem.HELLO, e.getLong(40), "attr.ino");
        assertEquals(FakeFileSystem.HELLO_TEXT.length, e.getLong(48), "attr.size");
        assertEquals(0100644, e.getInt(40 + 60), "attr.mode");
        assertEquals(1000, e.getInt(40 + 68), "attr.uid");
        assertEquals(4096, e.getInt(40 + 80), "attr.blksize");
        assertTrue(fs.calls.contains("lookup 2 hello.txt uid 1000"), "node 1 is looked up as inode 2: " + fs.calls);
        assertEquals(1, dispatcher.lookupCounts().count(FakeFileSystem.HELLO));
        call(LOOKUP, 1, name("hello.txt"));
        assertEquals(2, dispatcher.lookupCounts().count(FakeFileSystem.HELLO));
        assertNull(dispatcher.handle(HandBytes.request(FORGET, unique++, FakeFileSystem.HELLO, HandBytes.start().u64(2).toArray())));
        assertEquals(0, dispatcher.lookupCounts().count(FakeFileSystem.HELLO));
    }

    @Test
    void missingNameIsACachedNegativeEntry() {
        init();
        Reply r = call(LOOKUP, 1, name("absent"));
        assertEquals(0, r.error());
        assertEquals(0, r.body().getLong(0), "nodeid 0 = negative");
        assertEquals(3600, r.body().getLong(16), "entry_valid");
        assertEquals(0, dispatcher.lookupCounts().size());
        assertEquals(-EINVAL, call(LOOKUP, 1, new byte[] {'x'}).error(), "a name without NUL is malformed");
    }

    @Test
    void getattrOfTheRootIsInodeTwo() {
        init();
        Reply r = call(GETATTR, 1, new byte[16]);
        assertEquals(0, r.error());
        assertEquals(16 + 104, r.len());
        assertEquals(3600, r.body().getLong(0));
        assertEquals(2, r.body().getLong(16), "attr.ino of the root");
        assertEquals(040755, r.body().getInt(16 + 60));
        assertEquals(3, r.body().getInt(16 + 64), "nlink");
        assertEquals(1_700_000_002L, r.body().getLong(16 + 32), "mtime seconds");
        assertEquals(2000, r.body().getInt(16 + 52), "mtime nanoseconds");
    }

    /** One fuse_dirent as decoded from a reply. */
    record Dirent(long ino, long off, int type, String name, long nodeId) {
    }

    static List<Dirent> dirents(Reply r, boolean plus) {
        List<Dirent> out = new ArrayList<>();
        ByteBuffer b = r.body();
        while (b.remaining() > 0) {
            int start = b.position();
            long nodeId = plus ? b.getLong(start) : -1;
            int d = start + (plus ? 128 : 0);
            int len = b.getInt(d + 16);
            byte[] n = new byte[len];
            b.get(d + 24, n);
            int size = plus ? 128 + 24 + len : 24 + len;
            assertEquals(0, start % 8, "records start 8-byte aligned");
            out.add(new Dirent(b.getLong(d), b.getLong(d + 8), b.getInt(d + 20), new String(n, StandardCharsets.UTF_8),
                    nodeId));
            b.position(start + ((size + 7) & ~7));
        }
        return out;
    }

    @Test
    void readdirListsWithCookiesAndResumes() {
        init();
        Reply open = call(OPENDIR, 1, new byte[8]);
        long fh = open.body().getLong(0);
        List<Dirent> all = dirents(call(READDIR, 1, readIn(fh, 0, 4096)), false);
        assertEquals(List.of(new Dirent(2, 1, 4, ".", -1), new Dirent(2, 2, 4, "..", -1),
                new Dirent(12, 3, 8, "hello.txt", -1), new Dirent(15, 4, 10, "link", -1), new Dirent(13, 5, 4, "sub", -1)),
                all);
        assertEquals(0, call(READDIR, 1, readIn(fh, 5, 4096)).len() - 16, "the end: an empty reply");
        // A buffer with room for two 32-byte records: the listing resumes from the last cookie sent.
        List<Dirent> first = dirents(call(READDIR, 1, readIn(fh, 0, 70)), false);
        assertEquals(List.of(".", ".."), first.stream().map(Dirent::name).toList());
        List<Dirent> next = dirents(call(READDIR, 1, readIn(fh, first.get(1).off(), 4096)), false);
        assertEquals("hello.txt", next.get(0).name());
    }

    @Test
    void readdirCutsOnlyBetweenEntriesOfDifferentCookies() {
        // Cookies as ext4j gives an indexed directory whose names x1 and x2 share a hash (20); the
        // listing ignores maxEntries, so only the buffer size limits what is sent.
        List<DirectoryEntry> listing = List.of(dirent(".", 10), dirent("..", 20), dirent("x1", 20), dirent("x2", 30),
                dirent("y", Long.MAX_VALUE));
        fs = new FakeFileSystem() {
            @Override
            public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
                long[] starts = {0, 10, 20, 20, 30};
                List<DirectoryEntry> out = new ArrayList<>();
                for (int i = 0; i < listing.size(); i++) {
                    if (starts[i] >= offset) {
                        out.add(listing.get(i));
                    }
                }
                return out;
            }
        };
        dispatcher = new FuseDispatcher(fs, DispatchOptions.DEFAULT, new PrintStream(logBytes, true));
        init();
        // Room for three 32-byte records: x1 would fit, but without x2 the kernel would resume at 20 and list x1 again.
        List<Dirent> first = dirents(call(READDIR, 1, readIn(7, 0, 100)), false);
        assertEquals(List.of(".", ".."), first.stream().map(Dirent::name).toList());
        List<Dirent> rest = dirents(call(READDIR, 1, readIn(7, first.get(1).off(), 100)), false);
        assertEquals(List.of("x1", "x2", "y"), rest.stream().map(Dirent::name).toList());
        // A group alone larger than the buffer is still sent in part.
        assertEquals(List.of("x1"), dirents(call(READDIR, 1, readIn(7, 20, 40)), false).stream().map(Dirent::name).toList());
    }

    private static DirectoryEntry dirent(String name, long nextOffset) {
        return new DirectoryEntry(2, name.getBytes(StandardCharsets.UTF_8), FileType.REGULAR, nextOffset);
    }

    @Test
    void readdirplusCountsLookupsExceptDots() {
        init();
        List<Dirent> all = dirents(call(READDIRPLUS, 1, readIn(100, 0, 8192)), true);
        assertEquals(List.of(".", "..", "hello.txt", "link", "sub"), all.stream().map(Dirent::name).toList());
        assertEquals(List.of(0L, 0L, 12L, 15L, 13L), all.stream().map(Dirent::nodeId).toList());
        assertEquals(1, dispatcher.lookupCounts().count(12));
        assertEquals(1, dispatcher.lookupCounts().count(13));
        assertEquals(0, dispatcher.lookupCounts().count(1));
        assertEquals(0, dispatcher.lookupCounts().count(2));
        assertEquals(3, dispatcher.lookupCounts().size());
        // A BATCH_FORGET returns them all.
        byte[] forget = HandBytes.start().u32(3).u32(0).u64(12).u64(1).u64(13).u64(1).u64(15).u64(1).toArray();
        assertNull(dispatcher.handle(HandBytes.request(42, unique++, 0, forget)));
        assertEquals(0, dispatcher.lookupCounts().size());
    }

    @Test
    void getxattrSizeProbeThenValue() {
        init();
        byte[] probe = HandBytes.start().u32(0).u32(0).bytes(name("user.colour")).toArray();
        Reply size = call(GETXATTR, 12, probe);
        assertEquals(16 + 8, size.len());
        assertEquals(4, size.body().getInt(0));
        assertEquals(-ERANGE, call(GETXATTR, 12, HandBytes.start().u32(3).u32(0).bytes(name("user.colour")).toArray()).error());
        Reply value = call(GETXATTR, 12, HandBytes.start().u32(64).u32(0).bytes(name("user.colour")).toArray());
        assertEquals("blue", StandardCharsets.US_ASCII.decode(value.body()).toString());
        assertEquals(-ENODATA, call(GETXATTR, 12, HandBytes.start().u32(64).u32(0).bytes(name("user.none")).toArray()).error());
        assertEquals(12, call(LISTXATTR, 12, HandBytes.start().u32(0).u32(0).toArray()).body().getInt(0));
        Reply list = call(LISTXATTR, 12, HandBytes.start().u32(100).u32(0).toArray());
        assertEquals("user.colour\0", StandardCharsets.US_ASCII.decode(list.body()).toString());
        assertEquals(-ERANGE, call(LISTXATTR, 12, HandBytes.start().u32(5).u32(0).toArray()).error());
    }

    @Test
    void openForWritingIsRefusedAndReadLoopsOverShortReads() {
        init();
        assertEquals(-EROFS, call(OPEN, 14, HandBytes.start().u32(2).u32(0).toArray()).error(), "O_RDWR");
        assertEquals(-EROFS, call(OPEN, 14, HandBytes.start().u32(01000).u32(0).toArray()).error(), "O_TRUNC");
        Reply open = call(OPEN, 14, HandBytes.start().u32(0).u32(0).toArray());
        assertEquals(0, open.error());
        long fh = open.body().getLong(0);
        assertEquals(2, open.body().getInt(8), "FOPEN_KEEP_CACHE");
        Reply data = call(READ, 14, readIn(fh, 0, 1 << 17));
        byte[] got = new byte[data.body().remaining()];
        data.body().get(got);
        assertArrayEquals(fs.contents.get(14L), got);
        assertEquals(16, call(READ, 14, readIn(fh, 20_000, 4096)).len(), "past the end: no data");
    }

    @Test
    void readlinkAndStatfs() {
        init();
        Reply link = call(READLINK, 15, new byte[0]);
        assertEquals("hello.txt", StandardCharsets.US_ASCII.decode(link.body()).toString());
        Reply s = call(STATFS, 1, new byte[0]);
        assertEquals(16 + 80, s.len());
        assertEquals(1000, s.body().getLong(0));
        assertEquals(850, s.body().getLong(16));
        assertEquals(4096, s.body().getInt(40));
        assertEquals(255, s.body().getInt(44));
    }

    @Test
    void lseekFindsDataAndHoles() {
        init();
        assertEquals(8192, call(LSEEK, 14, lseekIn(4096, 3)).body().getLong(0), "SEEK_DATA in the hole");
        assertEquals(100, call(LSEEK, 14, lseekIn(100, 3)).body().getLong(0), "SEEK_DATA in data");
        assertEquals(4096, call(LSEEK, 14, lseekIn(0, 4)).body().getLong(0), "SEEK_HOLE");
        assertEquals(10_000, call(LSEEK, 14, lseekIn(8192, 4)).body().getLong(0), "the hole at end of file");
        assertEquals(-ENXIO, call(LSEEK, 14, lseekIn(10_000, 3)).error());
    }

    static byte[] lseekIn(long offset, int whence) {
        return HandBytes.start().u64(0).u64(offset).u32(whence).u32(0).toArray();
    }

    @Test
    void writesAreReadOnlyAndUnknownOpcodesAreEnosys() {
        init();
        assertEquals(-EROFS, call(MKDIR, 1, HandBytes.start().u32(0755).u32(022).bytes(name("new")).toArray()).error());
        assertEquals(-ENOSYS, call(1000, 1, new byte[0]).error());
        assertEquals(-ENOSYS, call(4094, 1, new byte[0]).error(), "IOMAP_BEGIN on a kernel without iomap");
        Reply statx = call(52, 1, new byte[24]);
        assertEquals(16 + 288, statx.len(), "STATX of the root");
        assertEquals(040755, Short.toUnsignedInt(statx.body().getShort(32 + 28)), "stx_mode");
        assertEquals(0x7ff | 0x800, statx.body().getInt(32), "basic stats and the birth time");
    }

    @Test
    void malformedRequestsGetPreciseErrors() {
        init();
        assertNull(dispatcher.handle(new byte[12]), "no unique: nothing to answer");
        assertTrue(logBytes.toString().contains("SHORT_HEADER"), logBytes.toString());
        assertEquals(-EINVAL, call(READ, 14, new byte[12]).error(), "short body");
        assertTrue(logBytes.toString().contains("SHORT_BODY"), logBytes.toString());
        byte[] cut = new byte[32];
        System.arraycopy(HandBytes.request(GETATTR, 999, 1, new byte[16]), 0, cut, 0, 32);
        Reply r = Reply.of(dispatcher.handle(cut));
        assertEquals(-EINVAL, r.error());
        assertEquals(999, r.unique());
    }

    @Test
    void noReplyToForgetAndInterrupt() {
        init();
        assertNull(dispatcher.handle(HandBytes.request(INTERRUPT, unique++, 0, HandBytes.start().u64(5).toArray())));
        assertNull(dispatcher.handle(HandBytes.request(FORGET, unique++, 77, HandBytes.start().u64(1).toArray())));
        assertNull(dispatcher.handle(HandBytes.request(FORGET, unique++, 77, new byte[3])), "even when malformed");
        assertTrue(logBytes.toString().contains("SHORT_BODY"), logBytes.toString());
    }

    @Test
    void unexpectedExceptionsBecomeEioAndAreLogged() {
        fs = new FakeFileSystem() {
            @Override
            public StatFs statfs() {
                throw new IllegalStateException("boom in statfs");
            }
        };
        dispatcher = new FuseDispatcher(fs, DispatchOptions.DEFAULT, new PrintStream(logBytes, true));
        init();
        assertEquals(-EIO, call(STATFS, 1, new byte[0]).error());
        assertTrue(logBytes.toString().contains("boom in statfs"), logBytes.toString());
        assertEquals(0, call(GETATTR, 1, new byte[16]).error(), "other requests still work");
    }
}
