package org.ext4j.linux.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes of the iomap series' records, laid out by hand from the facts in
 * FUSE-PROTOCOL.md (field order and widths), independent of the encoders and decoders under test.
 */
class IomapProtocolGoldenTest {
    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] encode(OutStruct s) {
        WireWriter w = new WireWriter(s.wireSize());
        s.writeTo(w);
        assertEquals(s.wireSize(), w.position());
        return w.toByteArray();
    }

    static Request request(int opcode, byte[] body) throws FuseDecodeException {
        return Request.decode(HandBytes.request(opcode, 9, 12, body));
    }

    @Test
    void opcodesAreTheSeriesNumbers() {
        assertEquals(Opcode.FREEZE_FS, Opcode.of(4089).orElseThrow());
        assertEquals(Opcode.UNFREEZE_FS, Opcode.of(4090).orElseThrow());
        assertEquals(Opcode.SHUTDOWN_FS, Opcode.of(4091).orElseThrow());
        assertEquals(Opcode.IOMAP_CONFIG, Opcode.of(4092).orElseThrow());
        assertEquals(Opcode.IOMAP_IOEND, Opcode.of(4093).orElseThrow());
        assertEquals(Opcode.IOMAP_BEGIN, Opcode.of(4094).orElseThrow());
        assertEquals(Opcode.IOMAP_END, Opcode.of(4095).orElseThrow());
        assertEquals(1L << 43, InitFlags.IOMAP, "bit 11 of flags2");
        assertEquals(1 << 3, FuseAttr.ATTR_IOMAP);
    }

    @Test
    void iomapIoIs32Bytes() throws Exception {
        IomapIo io = new IomapIo(0x1000, 0x3000, 0x7654_3000L, Iomap.TYPE_UNWRITTEN, Iomap.F_NEW | Iomap.F_WANT_IOMAP_END, 7);
        byte[] expected = HandBytes.start().u64(0x1000).u64(0x3000).u64(0x7654_3000L).u16(3).u16(0x81).u32(7).toArray();
        assertEquals(32, expected.length);
        assertArrayEquals(expected, encode(io));
        assertEquals(io, IomapIo.decode(request(4095, expected).body()));
    }

    @Test
    void beginInAndOut() throws Exception {
        byte[] in = HandBytes.start().u32(0x11).u32(0).u64(12).u64(5000).u64(70000).toArray();
        assertEquals(32, in.length);
        IomapBeginIn begin = IomapBeginIn.decode(request(4094, in).body());
        assertEquals(new IomapBeginIn(Iomap.OP_WRITE | Iomap.OP_DIRECT, 12, 5000, 70000), begin);

        IomapIo hole = new IomapIo(0, 4096, Iomap.NULL_ADDR, Iomap.TYPE_HOLE, 0, 0);
        IomapIo over = new IomapIo(0, 4096, Iomap.NULL_ADDR, Iomap.TYPE_PURE_OVERWRITE, 0, 0);
        byte[] expected = HandBytes.start()
                .u64(0).u64(4096).u64(-1L).u16(0).u16(0).u32(0)
                .u64(0).u64(4096).u64(-1L).u16(255).u16(0).u32(0).toArray();
        assertEquals(64, expected.length);
        assertArrayEquals(expected, encode(new IomapBeginOut(hole, over)));
        assertThrows(FuseDecodeException.class, () -> IomapBeginIn.decode(request(4094, new byte[24]).body()),
                "a short body is a decode error");
    }

    @Test
    void endInCarriesTheMapping() throws Exception {
        byte[] in = HandBytes.start().u32(1).u32(0).u64(12).u64(8192).u64(4096).u64(4096)
                .u64(8192).u64(4096).u64(0x10_0000).u16(2).u16(1 << 8).u32(7).toArray();
        assertEquals(72, in.length);
        IomapEndIn end = IomapEndIn.decode(request(4095, in).body());
        assertEquals(new IomapEndIn(1, 12, 8192, 4096, 4096,
                new IomapIo(8192, 4096, 0x10_0000, Iomap.TYPE_MAPPED, Iomap.F_SIZE_CHANGED, 7)), end);
    }

    @Test
    void ioendInAndOut() throws Exception {
        byte[] in = HandBytes.start().u32(0x1a).u32(-5).u64(12).u64(65536).u64(0x20_0000).u64(12288).u32(7).u32(0).toArray();
        assertEquals(48, in.length);
        IomapIoendIn ioend = IomapIoendIn.decode(request(4093, in).body());
        assertEquals(new IomapIoendIn(Iomap.IOEND_UNWRITTEN | Iomap.IOEND_DIRECT | Iomap.IOEND_APPEND, -5, 12, 65536,
                0x20_0000, 12288, 7), ioend);
        assertArrayEquals(HandBytes.start().u64(77777).toArray(), encode(new IomapIoendOut(77777)));
    }

    @Test
    void configInAndOut() throws Exception {
        byte[] in = HandBytes.start().u64(3).u64(1L << 44).u32(1 << 20).u32(0).zeros(40).toArray();
        assertEquals(64, in.length);
        assertEquals(new IomapConfigIn(3, 1L << 44, 1 << 20), IomapConfigIn.decode(request(4092, in).body()));

        byte[] uuid = new byte[16];
        for (int i = 0; i < 16; i++) {
            uuid[i] = (byte) (0xa0 + i);
        }
        IomapConfigOut out = new IomapConfigOut(0x3f, "loop3".getBytes(java.nio.charset.StandardCharsets.US_ASCII), uuid,
                4096, 65000, 1, Integer.MIN_VALUE, 15_032_385_535L, 17_592_186_040_320L, 0);
        byte[] expected = HandBytes.start().u64(0x3f).bytes(new byte[] {'l', 'o', 'o', 'p', '3'}).zeros(27).bytes(uuid)
                .u8(16).zeros(3).u32(4096).u32(65000).u32(1).u64(Integer.MIN_VALUE).u64(15_032_385_535L)
                .u64(17_592_186_040_320L).u32(0).zeros(4).toArray();
        assertEquals(104, expected.length);
        assertArrayEquals(expected, encode(out));
    }

    @Test
    void backingMapIs16Bytes() {
        byte[] expected = HandBytes.start().u32(5).u32(1).u64(0).toArray();
        assertArrayEquals(expected, BackingMap.iomap(5).toBytes(), "fd, then flags with the iomap type in the low byte");
    }
}
