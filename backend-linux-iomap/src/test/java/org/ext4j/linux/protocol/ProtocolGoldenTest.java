package org.ext4j.linux.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Encoders against byte arrays laid out by hand from linux/fuse.h; decoders of hand-built requests. */
class ProtocolGoldenTest {

    @BeforeAll
    static void littleEndianHost() {
        // The golden arrays are little-endian; FUSE uses host order.
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    }

    private static FuseAttr sampleAttr() {
        return new FuseAttr(12, 0x1_0000_0001L, 8, 1_700_000_000L, -5, 3, 111, 222, 333, 0100644, 2, 1000, 0xFFFF_FFFEL,
                FuseAttr.encodeDev(8, 0x12345), 4096, 0);
    }

    private static HandBytes sampleAttrBytes(HandBytes b) {
        return b.u64(12).u64(0x1_0000_0001L).u64(8).u64(1_700_000_000L).u64(-5L).u64(3)
                .u32(111).u32(222).u32(333).u32(0100644).u32(2).u32(1000).u32(0xFFFF_FFFEL)
                // new_encode_dev(8, 0x12345): minor low byte, major << 8, minor high bits << 12
                .u32(0x45 | (8 << 8) | (0x12300 << 12)).u32(4096).u32(0);
    }

    @Test
    void fuseAttrIs88BytesInHeaderOrder() {
        byte[] expected = sampleAttrBytes(HandBytes.start()).toArray();
        assertEquals(88, expected.length);
        WireWriter w = new WireWriter(FuseAttr.SIZE);
        sampleAttr().writeTo(w);
        assertArrayEquals(expected, w.toByteArray());
    }

    @Test
    void entryOutReply() {
        EntryOut e = new EntryOut(12, 7, 3600, 3600, 5, 6, sampleAttr());
        byte[] expected = sampleAttrBytes(HandBytes.start().u32(16 + 128).u32(0).u64(99)
                .u64(12).u64(7).u64(3600).u64(3600).u32(5).u32(6)).toArray();
        assertArrayEquals(expected, OutHeader.ok(99, e));
    }

    @Test
    void attrOutReply() {
        byte[] expected = sampleAttrBytes(HandBytes.start().u32(16 + 104).u32(0).u64(5).u64(3600).u32(9).u32(0))
                .toArray();
        assertArrayEquals(expected, OutHeader.ok(5, new AttrOut(3600, 9, sampleAttr())));
    }

    @Test
    void errorReplyCarriesNegatedErrno() {
        assertArrayEquals(HandBytes.start().u32(16).u32(-2).u64(0x1234_5678_9ABCL).toArray(),
                OutHeader.error(0x1234_5678_9ABCL, 2));
    }

    @Test
    void invalInodeNotificationHasCodeTwoAndUniqueZero() {
        // fuse_out_header {len 40, error = FUSE_NOTIFY_INVAL_INODE, unique 0}, fuse_notify_inval_inode_out.
        assertArrayEquals(HandBytes.start().u32(40).u32(2).u64(0).u64(0x1_0000_0007L).u64(-1L).u64(0).toArray(),
                OutHeader.notification(NotifyInvalInode.CODE, NotifyInvalInode.attributes(0x1_0000_0007L)));
    }

    @Test
    void openOutAndStatfsOut() {
        assertArrayEquals(HandBytes.start().u64(0xABCDEFL).u32(2).u32(0).toArray(),
                body(OutHeader.ok(1, new OpenOut(0xABCDEF, OpenOut.FOPEN_KEEP_CACHE, 0))));
        byte[] statfs = HandBytes.start().u64(1000).u64(900).u64(850).u64(256).u64(200).u32(4096).u32(255)
                .u32(4096).u32(0).zeros(24).toArray();
        assertEquals(80, statfs.length);
        assertArrayEquals(statfs, body(OutHeader.ok(1, new StatfsOut(1000, 900, 850, 256, 200, 4096, 255, 4096))));
    }

    @Test
    void initOutSplitsFlagsIntoFlags2() {
        long flags = InitFlags.ASYNC_READ | InitFlags.INIT_EXT | InitFlags.HAS_EXPIRE_ONLY;
        InitOut out = new InitOut(7, 45, 131072, flags, 12, 9, 1 << 20, 1, 256, 0, 0, 0);
        byte[] expected = HandBytes.start().u32(7).u32(45).u32(131072).u32(1 | (1L << 30))
                .u16(12).u16(9).u32(1 << 20).u32(1).u16(256).u16(0).u32(1L << 3).u32(0).u16(0).zeros(22).toArray();
        assertEquals(64, expected.length);
        assertArrayEquals(expected, body(OutHeader.ok(3, out)));
    }

    @Test
    void direntRecordsAreAlignedToEightBytes() {
        DirentList list = new DirentList(4096, false);
        list.add(null, 12, 1, 4, "abc".getBytes(StandardCharsets.US_ASCII));
        list.add(null, 13, 2, 8, "12345678".getBytes(StandardCharsets.US_ASCII));
        byte[] expected = HandBytes.start()
                .u64(12).u64(1).u32(3).u32(4).bytes("abc".getBytes(StandardCharsets.US_ASCII)).zeros(5)
                .u64(13).u64(2).u32(8).u32(8).bytes("12345678".getBytes(StandardCharsets.US_ASCII))
                .toArray();
        assertEquals(32 + 32, expected.length);
        assertArrayEquals(expected, body(OutHeader.ok(1, list)));
    }

    @Test
    void direntplusRecordIsEntryThenDirent() {
        DirentList list = new DirentList(4096, true);
        EntryOut e = new EntryOut(12, 7, 3600, 3600, 0, 0, sampleAttr());
        list.add(e, 12, 3, 8, "f".getBytes(StandardCharsets.US_ASCII));
        byte[] expected = sampleAttrBytes(HandBytes.start().u64(12).u64(7).u64(3600).u64(3600).u32(0).u32(0))
                .u64(12).u64(3).u32(1).u32(8).u8('f').zeros(7).toArray();
        assertEquals(128 + 32, expected.length);
        assertArrayEquals(expected, body(OutHeader.ok(1, list)));
    }

    @Test
    void direntListRefusesWhatDoesNotFit() {
        DirentList list = new DirentList(40, false);
        assertTrue(list.fits(8));
        list.add(null, 2, 1, 4, new byte[] {'.'});
        assertFalse(list.fits(1));
        assertThrows(IllegalStateException.class, () -> list.add(null, 2, 2, 4, new byte[] {'.', '.'}));
    }

    @Test
    void getxattrAndLseekOut() {
        assertArrayEquals(HandBytes.start().u32(77).u32(0).toArray(), body(OutHeader.ok(1, new GetxattrOut(77))));
        assertArrayEquals(HandBytes.start().u64(1L << 40).toArray(), body(OutHeader.ok(1, new LseekOut(1L << 40))));
    }

    @Test
    void bmapInAndOut() throws Exception {
        byte[] raw = HandBytes.request(37, 9, 5, HandBytes.start().u64(1L << 33).u32(4096).u32(0).toArray());
        assertEquals(new BmapIn(1L << 33, 4096), BmapIn.decode(Request.decode(raw).body()));
        assertArrayEquals(HandBytes.start().u64(0x1234_5678_9AL).toArray(), body(OutHeader.ok(9, new BmapOut(0x1234_5678_9AL))));
    }

    @Test
    void decodesHeaderAndLookupName() throws Exception {
        byte[] raw = HandBytes.request(1, 0x55, 1, 1000, 100, 4321, "hello\0".getBytes(StandardCharsets.US_ASCII));
        Request r = Request.decode(raw);
        assertEquals(new InHeader(46, 1, 0x55, 1, 1000, 100, 4321, 0), r.header());
        assertEquals(Opcode.LOOKUP, r.opcode());
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), r.body().cString());
    }

    @Test
    void decodesInitOfAModernAndAnOldKernel() throws Exception {
        byte[] modern = HandBytes.start().u32(7).u32(45).u32(131072).u32(InitFlags.INIT_EXT | InitFlags.ASYNC_READ)
                .u32(1L << (35 - 32)).zeros(44).toArray();
        InitIn in = InitIn.decode(Request.decode(HandBytes.request(26, 1, 0, modern)).body());
        assertEquals(new InitIn(7, 45, 131072, InitFlags.INIT_EXT | InitFlags.ASYNC_READ | InitFlags.HAS_EXPIRE_ONLY), in);
        byte[] old = HandBytes.start().u32(7).u32(31).u32(65536).u32(InitFlags.ASYNC_READ).toArray();
        assertEquals(new InitIn(7, 31, 65536, InitFlags.ASYNC_READ),
                InitIn.decode(Request.decode(HandBytes.request(26, 1, 0, old)).body()));
    }

    @Test
    void decodesReadInAndBatchForget() throws Exception {
        byte[] read = HandBytes.start().u64(9).u64(4096).u32(131072).u32(0).u64(0).u32(0x8000).u32(0).toArray();
        assertEquals(new ReadIn(9, 4096, 131072, 0, 0, 0x8000),
                ReadIn.decode(Request.decode(HandBytes.request(15, 2, 12, read)).body()));
        byte[] forget = HandBytes.start().u32(2).u32(0).u64(12).u64(3).u64(13).u64(1).toArray();
        assertEquals(new BatchForgetIn(java.util.List.of(new BatchForgetIn.ForgetOne(12, 3),
                new BatchForgetIn.ForgetOne(13, 1))), BatchForgetIn.decode(Request.decode(HandBytes.request(42, 0, 0, forget)).body()));
    }

    @Test
    void batchForgetCountBeyondBodyIsShortBody() throws Exception {
        byte[] forget = HandBytes.start().u32(1_000_000).u32(0).u64(12).u64(3).toArray();
        Request r = Request.decode(HandBytes.request(42, 0, 0, forget));
        FuseDecodeException e = assertThrows(FuseDecodeException.class, () -> BatchForgetIn.decode(r.body()));
        assertEquals(FuseDecodeException.Kind.SHORT_BODY, e.kind());
    }

    @Test
    void decodeErrorsArePrecise() {
        FuseDecodeException tiny = assertThrows(FuseDecodeException.class, () -> Request.decode(new byte[10]));
        assertEquals(FuseDecodeException.Kind.SHORT_HEADER, tiny.kind());
        assertFalse(tiny.uniqueKnown());

        byte[] truncated = new byte[30];
        System.arraycopy(HandBytes.request(3, 77, 1, new byte[16]), 0, truncated, 0, 30);
        FuseDecodeException shortHeader = assertThrows(FuseDecodeException.class, () -> Request.decode(truncated));
        assertEquals(FuseDecodeException.Kind.SHORT_HEADER, shortHeader.kind());
        assertTrue(shortHeader.uniqueKnown());
        assertEquals(77, shortHeader.unique());

        byte[] lying = HandBytes.request(3, 78, 1, new byte[16]);
        lying[0] = 100;
        assertEquals(FuseDecodeException.Kind.LENGTH_MISMATCH,
                assertThrows(FuseDecodeException.class, () -> Request.decode(lying)).kind());

        FuseDecodeException unknown = assertThrows(FuseDecodeException.class,
                () -> Request.decode(HandBytes.request(1000, 79, 1, new byte[0])));
        assertEquals(FuseDecodeException.Kind.UNKNOWN_OPCODE, unknown.kind());
        assertEquals(79, unknown.unique());

        FuseDecodeException shortBody = assertThrows(FuseDecodeException.class,
                () -> ReadIn.decode(Request.decode(HandBytes.request(15, 80, 12, new byte[12])).body()));
        assertEquals(FuseDecodeException.Kind.SHORT_BODY, shortBody.kind());

        assertEquals(FuseDecodeException.Kind.MALFORMED, assertThrows(FuseDecodeException.class,
                () -> Request.decode(HandBytes.request(1, 81, 1, new byte[] {'a', 'b'})).body().cString()).kind());
    }

    @Test
    void extensionsAreCutFromTheBody() throws Exception {
        byte[] raw = HandBytes.request(1, 5, 1, HandBytes.start().bytes("x\0".getBytes(StandardCharsets.US_ASCII))
                .zeros(6).zeros(16).toArray());
        raw[36] = 2; // total_extlen: two 8-byte units of extension headers
        assertEquals(8, Request.decode(raw).body().length());
        raw[36] = 9;
        assertEquals(FuseDecodeException.Kind.SHORT_BODY,
                assertThrows(FuseDecodeException.class, () -> Request.decode(raw)).kind());
    }

    @Test
    void opcodeTableIsSparse() {
        assertEquals(Opcode.IOMAP_BEGIN, Opcode.of(4094).orElseThrow());
        assertEquals(Opcode.FREEZE_FS, Opcode.of(4089).orElseThrow());
        assertEquals(Opcode.STATX, Opcode.of(52).orElseThrow());
        assertEquals(39, Opcode.STATX.sinceMinor());
        assertFalse(Opcode.of(7).isPresent()); // never assigned
        assertFalse(Opcode.of(19).isPresent());
        assertFalse(Opcode.of(54).isPresent());
        assertFalse(Opcode.of(4096).isPresent()); // CUSE_INIT: not a FUSE filesystem opcode
        assertFalse(Opcode.FORGET.expectsReply());
        assertTrue(Opcode.LOOKUP.expectsReply());
    }

    private static byte[] body(byte[] reply) {
        assertEquals(reply.length, HandBytes.le(reply).getInt(0));
        byte[] b = new byte[reply.length - 16];
        System.arraycopy(reply, 16, b, 0, b.length);
        return b;
    }
}
