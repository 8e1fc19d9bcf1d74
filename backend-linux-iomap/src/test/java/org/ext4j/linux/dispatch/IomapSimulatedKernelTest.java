package org.ext4j.linux.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.protocol.HandBytes;
import org.ext4j.linux.protocol.InitFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulated iomap kernel: it speaks the protocol in raw bytes to the dispatcher over the real
 * core, asks for mappings, does the data I/O itself at the returned device addresses on the image
 * file (as the kernel would on the registered block device), and reports completions. What it
 * wrote must then read back through its own mappings, through the core's in-process read, and
 * through debugfs, with e2fsck -fn clean after the volume is closed.
 */
class IomapSimulatedKernelTest {
    static final int FALLOCATE = 43, CREATE = 35, GETATTR = 3, LOOKUP = 1, MKDIR = 9;
    static final int FREEZE_FS = 4089, UNFREEZE_FS = 4090, SHUTDOWN_FS = 4091, IOMAP_CONFIG = 4092,
            IOMAP_IOEND = 4093, IOMAP_BEGIN = 4094, IOMAP_END = 4095;
    // Facts of the iomap series (FUSE-PROTOCOL.md), written out again here on purpose.
    static final int OP_WRITE = 1, OP_ZERO = 2, OP_REPORT = 4, OP_DIRECT = 16, OP_OVERWRITE_ONLY = 64;
    static final int OP_WRITEBACK = 1 << 31;
    static final int TYPE_HOLE = 0, TYPE_MAPPED = 2, TYPE_UNWRITTEN = 3, TYPE_PURE_OVERWRITE = 255;
    static final int IOEND_UNWRITTEN = 2, IOEND_DIRECT = 8, IOEND_APPEND = 16, IOEND_WRITEBACK = 32;
    static final int ATTR_IOMAP = 1 << 3;
    static final long FUSE_IOMAP = 1L << 43;
    static final int BACKING_ID = 7;
    static final int BS = 4096;

    @TempDir
    Path temp;
    Path image;
    PosixFileSystem volume;
    FuseDispatcher dispatcher;
    FileChannel blockDevice;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    long unique = 1;
    int registrations;
    /** What the fake device's IOMAP_SUPPORT ioctl answers. */
    boolean fileIoSupported = true;
    boolean closed;

    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    }

    @BeforeEach
    void setUp() throws Exception {
        image = temp.resolve("iomap.img");
        Tools.run(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", image.toString(), "32M")).requireExit(0);
        volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
        dispatcher = new FuseDispatcher(volume, DispatchOptions.DEFAULT, new PrintStream(log, true));
        dispatcher.offerIomap(new IomapBacking() {
            @Override
            public int register() {
                registrations++;
                return BACKING_ID;
            }

            @Override
            public boolean kernelSupportsFileIo() {
                return fileIoSupported;
            }

            @Override
            public void close() {
            }
        });
        blockDevice = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    @AfterEach
    void tearDown() throws Exception {
        blockDevice.close();
        if (!closed) {
            volume.close();
        }
    }

    /** Closes the volume (so everything committed is on the image) and runs e2fsck -fn. */
    void closeAndCheck() throws Exception {
        volume.close();
        closed = true;
        Tools.Result fsck = Tools.run(List.of("e2fsck", "-fn", image.toString()));
        assertEquals(0, fsck.exitCode(), () -> fsck.describe("e2fsck -fn") + "\nlog: " + log);
    }

    FuseDispatcherTest.Reply call(int opcode, long nodeId, byte[] body) {
        long u = unique++;
        byte[] raw = dispatcher.handle(HandBytes.request(opcode, u, nodeId, 0, 0, 0, body));
        FuseDispatcherTest.Reply r = FuseDispatcherTest.Reply.of(raw);
        assertEquals(u, r.unique());
        return r;
    }

    void initWithIomap() {
        FuseDispatcherTest.Reply r = call(26, 0, FuseDispatcherTest.initBody(InitNegotiation.IOMAP_MINOR, -1L));
        assertEquals(0, r.error());
        long flags = Integer.toUnsignedLong(r.body().getInt(12)) | Integer.toUnsignedLong(r.body().getInt(32)) << 32;
        assertEquals(FUSE_IOMAP, flags & FUSE_IOMAP, "offered and wanted: granted");
        assertEquals(InitFlags.INIT_EXT, flags & InitFlags.INIT_EXT);
    }

    /** The INIT reply's flags (flags, and flags2 from 7.36). */
    long initFlags(int minor, long offered) {
        FuseDispatcherTest.Reply r = call(26, 0, FuseDispatcherTest.initBody(minor, offered));
        assertEquals(0, r.error());
        return Integer.toUnsignedLong(r.body().getInt(12)) | Integer.toUnsignedLong(r.body().getInt(32)) << 32;
    }

    @Test
    void bit43OnAMainline746OfferIsTheIoUringBufferPoolNotIomap() {
        // Linux 7.3 (protocol 7.46) offers FUSE_HAS_IO_URING_BUFPOOL as 1 << 43.
        assertEquals(0, initFlags(46, -1L) & FUSE_IOMAP, "bit 43 echoed back to a 7.46 kernel");
        assertEquals(0, registrations);
    }

    @Test
    void aMinor99OfferIsIomapOnlyWhenTheDeviceSaysItDoesFileIo() {
        fileIoSupported = false;
        assertEquals(0, initFlags(InitNegotiation.IOMAP_MINOR, -1L) & FUSE_IOMAP);
    }

        /** Creates a file in the root; returns its node id (= inode number) and checks it is marked for iomap. */
    long create(String name) {
        FuseDispatcherTest.Reply r = call(CREATE, 1, HandBytes.start().u32(2 | 0100).u32(0100644).u32(0).u32(0)
                .bytes((name + "\0").getBytes(StandardCharsets.UTF_8)).toArray());
        assertEquals(0, r.error());
        assertEquals(ATTR_IOMAP, r.body().getInt(40 + 84) & ATTR_IOMAP, "a new extent file is an iomap inode");
        return r.body().getLong(0);
    }

    long handleOf(long ino) {
        return volume.open(Caller.ROOT, ino, InodeFileSystem.O_RDWR);
    }

    record Mapping(long offset, long length, long addr, int type, int flags, int dev) {
        static Mapping at(ByteBuffer b, int base) {
            return new Mapping(b.getLong(base), b.getLong(base + 8), b.getLong(base + 16),
                    Short.toUnsignedInt(b.getShort(base + 24)), Short.toUnsignedInt(b.getShort(base + 26)),
                    b.getInt(base + 28));
        }

        long end() {
            return offset + length;
        }
    }

    record Begin(Mapping read, Mapping write) {
    }

    Begin begin(long ino, int opflags, long pos, long count) {
        FuseDispatcherTest.Reply r = call(IOMAP_BEGIN, ino,
                HandBytes.start().u32(opflags).u32(0).u64(ino).u64(pos).u64(count).toArray());
        assertEquals(0, r.error(), () -> "IOMAP_BEGIN " + pos + "+" + count + ": " + log);
        assertEquals(64, r.len() - 16);
        Begin b = new Begin(Mapping.at(r.body(), 0), Mapping.at(r.body(), 32));
        assertTrue(b.read().offset() <= pos && b.read().end() > pos, () -> "the mapping holds pos " + pos + ": " + b);
        assertEquals(0, b.read().offset() % BS, "block-aligned");
        if (b.read().type() == TYPE_MAPPED || b.read().type() == TYPE_UNWRITTEN) {
            assertEquals(BACKING_ID, b.read().dev(), "the registered device");
        } else {
            assertEquals(-1L, b.read().addr(), "a hole has no address");
        }
        return b;
    }

    long ioend(long ino, int flags, int error, long pos, long addr, long written) {
        FuseDispatcherTest.Reply r = call(IOMAP_IOEND, ino, HandBytes.start().u32(flags).u32(error).u64(ino).u64(pos)
                .u64(addr).u64(written).u32(BACKING_ID).u32(0).toArray());
        assertEquals(0, r.error(), () -> "IOMAP_IOEND: " + log);
        return r.body().getLong(0);
    }

    void devWrite(long addr, byte[] src, int off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(src, off, len);
        long at = addr;
        while (b.hasRemaining()) {
            at += blockDevice.write(b, at);
        }
    }

    void devRead(long addr, byte[] dst, int off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(dst, off, len);
        long at = addr;
        while (b.hasRemaining()) {
            int n = blockDevice.read(b, at);
            assertTrue(n > 0, "read past the device end at " + at);
            at += n;
        }
    }

    /** The kernel's side of one file: its page cache (the model of the contents), its i_size, the size on disk. */
    final class SimulatedFile {
        final long ino;
        byte[] model = new byte[0];
        long size;
        long diskSize;

        SimulatedFile(long ino) {
            this.ino = ino;
        }

        void grow(long to) {
            if (to > model.length) {
                model = Arrays.copyOf(model, (int) Math.max(to, model.length * 2L));
            }
        }

        /** iomap_zero_range of the old EOF block's tail before an extending write (written blocks only). */
        void zeroEofTail(long newStart) throws IOException {
            if (newStart <= size || size % BS == 0) {
                return;
            }
            long to = Math.min(newStart, (size / BS + 1) * BS);
            Begin b = begin(ino, OP_WRITE | OP_ZERO, size, to - size);
            assertEquals(TYPE_PURE_OVERWRITE, b.write().type(), "zeroing allocates nothing");
            if (b.read().type() == TYPE_MAPPED) {
                devWrite(b.read().addr() + (size - b.read().offset()), new byte[(int) (to - size)], 0, (int) (to - size));
            }
        }

        /** write(2) through the page cache, then writeback of the dirty blocks. */
        void bufferedWrite(long pos, byte[] data) throws IOException {
            zeroEofTail(pos);
            long end = pos + data.length;
            long p = pos;
            while (p < end) {
                Begin b = begin(ino, OP_WRITE, p, end - p);
                assertTrue(b.write().type() == TYPE_MAPPED || b.write().type() == TYPE_UNWRITTEN, () -> "allocated: " + b);
                p = Math.min(end, b.write().end());
            }
            grow(end);
            System.arraycopy(data, 0, model, (int) pos, data.length);
            size = Math.max(size, end);
            writeback(pos / BS * BS, Math.min(size, (end + BS - 1) / BS * BS));
        }

        /** Writes the cached blocks of [from, to) back where the filesystem maps them, and completes them. */
        void writeback(long from, long to) throws IOException {
            long p = from;
            while (p < to) {
                Begin b = begin(ino, OP_WRITE | OP_WRITEBACK, p, to - p);
                Mapping m = b.write();
                long chunkEnd = Math.min(to, m.end());
                // The page cache holds whole blocks; past EOF they are zeros.
                long blockEnd = Math.min((chunkEnd + BS - 1) / BS * BS, m.end());
                byte[] blocks = new byte[(int) (blockEnd - p)];
                System.arraycopy(model, (int) p, blocks, 0, (int) Math.min(blocks.length, model.length - p));
                devWrite(m.addr() + (p - m.offset()), blocks, 0, blocks.length);
                int flags = IOEND_WRITEBACK | (m.type() == TYPE_UNWRITTEN ? IOEND_UNWRITTEN : 0)
                        | (chunkEnd > diskSize ? IOEND_APPEND : 0);
                diskSize = ioend(ino, flags, 0, p, m.addr() + (p - m.offset()), chunkEnd - p);
                assertEquals(Math.max(diskSize, Math.min(chunkEnd, size)), diskSize);
                p = chunkEnd;
            }
        }

        /** An O_DIRECT write (512-byte aligned): straight to the mapped blocks, completed per mapping. */
        void directWrite(long pos, byte[] data) throws IOException {
            assertEquals(0, pos % 512);
            assertEquals(0, data.length % 512);
            zeroEofTail(pos);
            long end = pos + data.length;
            long p = pos;
            while (p < end) {
                Begin b = begin(ino, OP_WRITE | OP_DIRECT, p, end - p);
                Mapping m = b.write();
                long chunkEnd = Math.min(end, m.end());
                if (m.type() == TYPE_UNWRITTEN) {
                    // iomap's direct I/O zeroes the rest of partly written unwritten blocks.
                    long blockStart = p / BS * BS;
                    long blockEnd = (chunkEnd + BS - 1) / BS * BS;
                    devWrite(m.addr() + (blockStart - m.offset()), new byte[(int) (blockEnd - blockStart)], 0,
                            (int) (blockEnd - blockStart));
                } else {
                    assertEquals(TYPE_MAPPED, m.type());
                }
                devWrite(m.addr() + (p - m.offset()), data, (int) (p - pos), (int) (chunkEnd - p));
                int flags = IOEND_DIRECT | (m.type() == TYPE_UNWRITTEN ? IOEND_UNWRITTEN : 0)
                        | (chunkEnd > diskSize ? IOEND_APPEND : 0);
                diskSize = ioend(ino, flags, 0, p, m.addr() + (p - m.offset()), chunkEnd - p);
                p = chunkEnd;
            }
            grow(end);
            System.arraycopy(data, 0, model, (int) pos, data.length);
            size = Math.max(size, end);
            assertEquals(size, diskSize, "direct writes complete the size at once");
        }

        /** A read through the mappings only (no page cache): holes and unwritten blocks read as zeros. */
        byte[] read(long pos, int len) throws IOException {
            int n = (int) Math.max(0, Math.min(len, size - pos));
            byte[] out = new byte[n];
            long p = pos;
            while (p < pos + n) {
                Begin b = begin(ino, 0, p, pos + n - p);
                assertEquals(TYPE_PURE_OVERWRITE, b.write().type(), "a read has no write mapping");
                Mapping m = b.read();
                long chunkEnd = Math.min(pos + n, m.end());
                if (m.type() == TYPE_MAPPED) {
                    devRead(m.addr() + (p - m.offset()), out, (int) (p - pos), (int) (chunkEnd - p));
                } else {
                    assertTrue(m.type() == TYPE_HOLE || m.type() == TYPE_UNWRITTEN, "type " + m.type());
                }
                p = chunkEnd;
            }
            return out;
        }

        byte[] expected() {
            return Arrays.copyOf(model, (int) size);
        }

        /** The whole file read through the core's in-process path. */
        byte[] throughCore() {
            long fh = volume.open(Caller.ROOT, ino, InodeFileSystem.O_RDONLY);
            try {
                byte[] out = new byte[(int) volume.getattr(ino).size()];
                int done = 0;
                while (done < out.length) {
                    int n = volume.read(ino, fh, done, out, done, out.length - done);
                    assertTrue(n > 0, "short read through the core at " + done);
                    done += n;
                }
                return out;
            } finally {
                volume.release(ino, fh);
            }
        }
    }

    void assertSameEverywhere(SimulatedFile f, String name) throws Exception {
        assertArrayEquals(f.expected(), f.read(0, (int) f.size), "read back through the mappings");
        assertArrayEquals(f.expected(), f.throughCore(), "read back through the core");
        closeAndCheck();
        assertArrayEquals(f.expected(), new Debugfs(image).cat("/" + name), "debugfs dump");
    }

    @Test
    void sequentialBufferedWritesWithUnalignedChunks() throws Exception {
        initWithIomap();
        SimulatedFile f = new SimulatedFile(create("seq"));
        Random random = new Random(1);
        long pos = 0;
        for (int i = 0; i < 12; i++) {
            byte[] data = new byte[10_000 + random.nextInt(60_000)];
            random.nextBytes(data);
            f.bufferedWrite(pos, data);
            pos += data.length;
        }
        assertEquals(pos, volume.getattr(f.ino).size(), "i_size from the APPEND completions");
        assertEquals(1, registrations, "the device is registered once");
        assertSameEverywhere(f, "seq");
    }

    @Test
    void directWritesAppendPastEofAndLeaveHoles() throws Exception {
        initWithIomap();
        SimulatedFile f = new SimulatedFile(create("direct"));
        byte[] a = pattern(3 * BS + 512, 1);
        f.directWrite(0, a);
        // Far past EOF: a hole between, which reads as zeros through the mapping and the core.
        f.directWrite(1 << 20, pattern(2 * BS, 2));
        Begin hole = begin(f.ino, 0, 200_000, 4096);
        assertEquals(TYPE_HOLE, hole.read().type(), "nothing allocated between");
        assertEquals(-1L, hole.read().addr());
        // Overwrite of written blocks in place: MAPPED, same address as before.
        Begin before = begin(f.ino, 0, 0, BS);
        f.directWrite(BS, pattern(BS, 3));
        Begin after = begin(f.ino, 0, 0, BS);
        assertEquals(TYPE_MAPPED, after.read().type());
        assertEquals(before.read().addr(), after.read().addr(), "written blocks are overwritten where they are");
        assertSameEverywhere(f, "direct");
    }

    @Test
    void overwritesOfUnwrittenExtentsAndHolesRead() throws Exception {
        initWithIomap();
        long ino = create("prealloc");
        SimulatedFile f = new SimulatedFile(ino);
        long fh = handleOf(ino);
        // fallocate 64 KiB (mode 0): unwritten extents, i_size grows.
        assertEquals(0, call(FALLOCATE, ino, HandBytes.start().u64(fh).u64(0).u64(16 * BS).u32(0).u32(0).toArray()).error());
        volume.release(ino, fh);
        f.size = 16 * BS;
        f.diskSize = 16 * BS;
        f.grow(f.size);
        Begin pre = begin(ino, 0, 0, 16 * BS);
        assertEquals(TYPE_UNWRITTEN, pre.read().type(), "preallocated blocks are unwritten");
        assertArrayEquals(new byte[16 * BS], f.read(0, 16 * BS), "unwritten reads as zeros");
        // A write into the middle of the unwritten range: the same blocks, then written.
        f.bufferedWrite(5 * BS + 100, pattern(3 * BS, 4));
        f.directWrite(12 * BS, pattern(1024, 5));
        Begin mid = begin(ino, 0, 6 * BS, BS);
        assertEquals(TYPE_MAPPED, mid.read().type(), "converted at IOEND");
        assertEquals(pre.read().addr() + 6 * BS, mid.read().addr(), "no new allocation for unwritten blocks");
        Begin rest = begin(ino, 0, 14 * BS, BS);
        assertEquals(TYPE_UNWRITTEN, rest.read().type(), "untouched blocks stay unwritten");
        // A failed device write changes nothing: its blocks stay unwritten, the size stays.
        Begin w = begin(ino, OP_WRITE | OP_DIRECT, 20 * BS, BS);
        assertEquals(TYPE_UNWRITTEN, w.write().type());
        devWrite(w.write().addr(), pattern(BS, 6), 0, BS);
        assertEquals(16 * BS, ioend(ino, IOEND_DIRECT | IOEND_UNWRITTEN | IOEND_APPEND, -5, 20 * BS, w.write().addr(), BS));
        assertEquals(TYPE_UNWRITTEN, begin(ino, 0, 20 * BS, BS).read().type());
        assertSameEverywhere(f, "prealloc");
    }

    @Test
    void randomWritesMatchTheModel() throws Exception {
        initWithIomap();
        SimulatedFile f = new SimulatedFile(create("random"));
        Random random = new Random(42);
        for (int i = 0; i < 80; i++) {
            if (random.nextInt(3) == 0) {
                long pos = random.nextInt(6 << 11) * 512L;
                f.directWrite(pos, pattern(512 * (1 + random.nextInt(40)), random.nextInt()));
            } else {
                long pos = random.nextInt(6 << 20);
                byte[] data = new byte[1 + random.nextInt(50_000)];
                random.nextBytes(data);
                f.bufferedWrite(pos, data);
            }
            if (i % 10 == 9) {
                long at = random.nextInt((int) f.size);
                int len = random.nextInt(100_000);
                assertArrayEquals(Arrays.copyOfRange(f.expected(), (int) at, (int) Math.min(f.size, at + len)),
                        f.read(at, len), "random read " + at + "+" + len + " after op " + i);
            }
        }
        assertSameEverywhere(f, "random");
    }

    @Test
    void overwriteOnlyAndReportNeverAllocate() throws Exception {
        initWithIomap();
        long ino = create("flags");
        FuseDispatcherTest.Reply r = call(IOMAP_BEGIN, ino,
                HandBytes.start().u32(OP_WRITE | OP_DIRECT | OP_OVERWRITE_ONLY).u32(0).u64(ino).u64(0).u64(BS).toArray());
        assertEquals(-11, r.error(), "EAGAIN: the kernel retries with allocation allowed");
        Begin report = begin(ino, OP_REPORT, 0, 1 << 20);
        assertEquals(TYPE_HOLE, report.read().type());
        Begin zero = begin(ino, OP_WRITE | OP_ZERO, 0, BS);
        assertEquals(TYPE_HOLE, zero.read().type(), "zeroing a hole allocates nothing");
        assertEquals(0, volume.getattr(ino).blocks512(), "no block was allocated");
        FuseDispatcherTest.Reply mismatch = call(IOMAP_BEGIN, ino,
                HandBytes.start().u32(0).u32(0).u64(ino + 1).u64(0).u64(BS).toArray());
        assertEquals(-22, mismatch.error(), "attr_ino must be the node's inode");
        closeAndCheck();
    }

    @Test
    void configReportsTheSuperblockFacts() throws Exception {
        initWithIomap();
        FuseDispatcherTest.Reply r = call(IOMAP_CONFIG, 0, HandBytes.start().u64(0).u64(Long.MAX_VALUE).u32(0).u32(0)
                .zeros(40).toArray());
        assertEquals(0, r.error());
        assertEquals(104, r.len() - 16);
        ByteBuffer b = r.body();
        assertEquals(2 | 4 | 8 | 16 | 32, b.getLong(0), "UUID, BLOCKSIZE, MAX_LINKS, TIME, MAXBYTES");
        String uuid = Tools.run(List.of("dumpe2fs", "-h", image.toString())).stdout().lines()
                .filter(l -> l.startsWith("Filesystem UUID:")).findFirst().orElseThrow().split(":\\s+")[1].trim();
        byte[] got = new byte[16];
        b.get(40, got);
        assertEquals(uuid.replace("-", ""), hex(got), "s_uuid as dumpe2fs shows it");
        assertEquals(16, b.get(56), "s_uuid_len");
        assertEquals(4096, b.getInt(60));
        assertEquals(65000, b.getInt(64));
        assertEquals(1, b.getInt(68), "256-byte inodes: nanoseconds");
        assertEquals(Integer.MIN_VALUE, b.getLong(72));
        assertEquals((1L << 34) - 1 + Integer.MIN_VALUE, b.getLong(80));
        assertEquals(((1L << 32) - 1) * 4096, b.getLong(88), "extent files: 2^32 - 1 blocks");
    }

    @Test
    void freezeHoldsChangesUntilUnfreezeAndShutdownFailsEverything() throws Exception {
        initWithIomap();
        long ino = create("frozen");
        assertEquals(0, call(FREEZE_FS, 0, new byte[0]).error());
        CompletableFuture<FuseDispatcherTest.Reply> mkdir = CompletableFuture.supplyAsync(() -> call(MKDIR, 1,
                HandBytes.start().u32(0755).u32(0).bytes("d\0".getBytes(StandardCharsets.UTF_8)).toArray()));
        try {
            mkdir.get(500, TimeUnit.MILLISECONDS);
            throw new AssertionError("a change went through a frozen filesystem");
        } catch (TimeoutException expected) {
            // still waiting, as it should
        }
        assertEquals(0, call(GETATTR, ino, HandBytes.start().u32(0).u32(0).u64(0).toArray()).error(), "reads go on");
        assertEquals(0, call(UNFREEZE_FS, 0, new byte[0]).error());
        assertEquals(0, mkdir.get(10, TimeUnit.SECONDS).error(), "released by UNFREEZE_FS");
        assertEquals(0, call(SHUTDOWN_FS, 0, HandBytes.start().u64(0).toArray()).error());
        assertEquals(-5, call(GETATTR, ino, HandBytes.start().u32(0).u32(0).u64(0).toArray()).error(), "EIO after shutdown");
        assertEquals(-5, call(IOMAP_BEGIN, ino, HandBytes.start().u32(OP_WRITE).u32(0).u64(ino).u64(0).u64(BS).toArray())
                .error());
        closeAndCheck();
        assertTrue(new Debugfs(image).lookup("/d").isPresent(), "the mkdir made before the shutdown is on the image");
    }

    @Test
    void withoutTheKernelsOfferNothingChanges() throws Exception {
        // A 6.18 kernel offers no FUSE_IOMAP: it is not granted, no inode is marked, no device registered.
        FuseDispatcherTest.Reply r = call(26, 0, FuseDispatcherTest.initBody(45, -1L & ~FUSE_IOMAP));
        assertEquals(0, r.error());
        assertEquals(0, r.body().getInt(32) & (int) (FUSE_IOMAP >>> 32));
        assertFalse(dispatcher.iomapGranted());
        FuseDispatcherTest.Reply c = call(CREATE, 1, HandBytes.start().u32(2 | 0100).u32(0100644).u32(0).u32(0)
                .bytes("plain\0".getBytes(StandardCharsets.UTF_8)).toArray());
        assertEquals(0, c.body().getInt(40 + 84), "fuse_attr.flags stays 0");
        long ino = c.body().getLong(0);
        assertEquals(-38, call(IOMAP_BEGIN, ino, HandBytes.start().u32(0).u32(0).u64(ino).u64(0).u64(BS).toArray()).error(),
                "ENOSYS: iomap was not agreed");
        assertEquals(0, registrations);
        closeAndCheck();
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }
}
