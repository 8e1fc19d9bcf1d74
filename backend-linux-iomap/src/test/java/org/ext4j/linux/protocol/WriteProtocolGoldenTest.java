package org.ext4j.linux.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The write-side requests decoded from bytes laid out by hand from linux/fuse.h, and their replies encoded. */
class WriteProtocolGoldenTest {

    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    }

    private static BodyReader body(int opcode, byte[] body) throws FuseDecodeException {
        return Request.decode(HandBytes.request(opcode, 7, 12, body)).body();
    }

    private static byte[] z(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void setattrInIs88Bytes() throws Exception {
        byte[] b = HandBytes.start().u32(SetattrIn.MODE | SetattrIn.SIZE_VALID | SetattrIn.MTIME | SetattrIn.FH).u32(0)
                .u64(55).u64(1L << 33).u64(9).u64(-1).u64(1_500_000_000L).u64(3)
                .u32(1).u32(987_654_321).u32(3).u32(0104755).u32(0).u32(0xFFFF_FFFEL).u32(77).u32(0).toArray();
        assertEquals(SetattrIn.SIZE, b.length);
        SetattrIn in = SetattrIn.decode(body(4, b));
        assertEquals(new SetattrIn(SetattrIn.MODE | SetattrIn.SIZE_VALID | SetattrIn.MTIME | SetattrIn.FH, 55, 1L << 33,
                9, -1, 1_500_000_000L, 3, 1, 987_654_321, 3, 0104755, 0xFFFF_FFFEL, 77), in);
        assertEquals(true, in.has(SetattrIn.MODE | SetattrIn.FH));
        assertEquals(false, in.has(SetattrIn.ATIME));
    }

    @Test
    void mknodDecodesNewEncodeDev() throws Exception {
        // new_encode_dev(300, 70000): minor low byte | major << 8 | (minor & ~0xff) << 12
        int rdev = (70000 & 0xff) | (300 << 8) | ((70000 & ~0xff) << 12);
        MknodIn in = MknodIn.decode(body(8, HandBytes.start().u32(0060600).u32(rdev).u32(022).u32(0).bytes(z("dev")).toArray()));
        assertEquals(0060600, in.mode());
        assertEquals(022, in.umask());
        assertEquals(300, in.rdevMajor());
        assertEquals(70000, in.rdevMinor());
        assertArrayEquals("dev".getBytes(StandardCharsets.US_ASCII), in.name());
    }

    @Test
    void namesFollowTheirStructs() throws Exception {
        MkdirIn mkdir = MkdirIn.decode(body(9, HandBytes.start().u32(0755).u32(027).bytes(z("d")).toArray()));
        assertEquals(0755, mkdir.mode());
        assertEquals(027, mkdir.umask());
        SymlinkIn symlink = SymlinkIn.decode(body(6, HandBytes.start().bytes(z("name")).bytes(z("../target")).toArray()));
        assertEquals("name", new String(symlink.name(), StandardCharsets.UTF_8));
        assertEquals("../target", new String(symlink.target(), StandardCharsets.UTF_8));
        RenameIn rename = RenameIn.decode(body(12, HandBytes.start().u64(13).bytes(z("a")).bytes(z("b")).toArray()), false);
        assertEquals(13, rename.newDir());
        assertEquals(0, rename.flags());
        RenameIn rename2 = RenameIn.decode(body(45, HandBytes.start().u64(14).u32(2).u32(0).bytes(z("a")).bytes(z("bb"))
                .toArray()), true);
        assertEquals(14, rename2.newDir());
        assertEquals(2, rename2.flags(), "RENAME_EXCHANGE");
        assertEquals("bb", new String(rename2.newName(), StandardCharsets.UTF_8));
        LinkIn link = LinkIn.decode(body(13, HandBytes.start().u64(99).bytes(z("hard")).toArray()));
        assertEquals(99, link.oldNodeId());
        CreateIn create = CreateIn.decode(body(35, HandBytes.start().u32(0101).u32(0100644).u32(022).u32(1)
                .bytes(z("new")).toArray()), true);
        assertEquals(new CreateIn(0101, 0100644, 022, 1, create.name()), create);
        assertEquals("new", new String(create.name(), StandardCharsets.UTF_8));
        assertNull(CreateIn.decode(body(51, HandBytes.start().u32(2).u32(0100600).u32(0).u32(0).toArray()), false).name(),
                "TMPFILE has no name");
    }

    @Test
    void writeInCarriesItsData() throws Exception {
        byte[] b = HandBytes.start().u64(5).u64(4096).u32(3).u32(WriteIn.WRITE_KILL_SUIDGID).u64(0).u32(02).u32(0)
                .bytes(new byte[] {1, 2, 3}).toArray();
        WriteIn in = WriteIn.decode(body(16, b));
        assertEquals(5, in.fh());
        assertEquals(4096, in.offset());
        assertEquals(WriteIn.WRITE_KILL_SUIDGID, in.writeFlags());
        assertArrayEquals(new byte[] {1, 2, 3}, in.data());
        byte[] lying = HandBytes.start().u64(5).u64(0).u32(100).u32(0).u64(0).u32(0).u32(0).bytes(new byte[3]).toArray();
        assertEquals(FuseDecodeException.Kind.SHORT_BODY,
                assertThrows(FuseDecodeException.class, () -> WriteIn.decode(body(16, lying))).kind());
    }

    @Test
    void setxattrInHasTwoLayouts() throws Exception {
        byte[] compat = HandBytes.start().u32(4).u32(1).bytes(z("user.k")).bytes("blue".getBytes(StandardCharsets.US_ASCII))
                .toArray();
        SetxattrIn a = SetxattrIn.decode(body(21, compat), false);
        assertEquals("user.k", a.name());
        assertEquals(1, a.flags(), "XATTR_CREATE");
        assertEquals(0, a.setxattrFlags());
        assertArrayEquals("blue".getBytes(StandardCharsets.US_ASCII), a.value());
        byte[] ext = HandBytes.start().u32(2).u32(2).u32(SetxattrIn.ACL_KILL_SGID).u32(0)
                .bytes(z("system.posix_acl_access")).bytes(new byte[] {9, 8}).toArray();
        SetxattrIn b = SetxattrIn.decode(body(21, ext), true);
        assertEquals("system.posix_acl_access", b.name());
        assertEquals(2, b.flags(), "XATTR_REPLACE");
        assertEquals(SetxattrIn.ACL_KILL_SGID, b.setxattrFlags());
        assertArrayEquals(new byte[] {9, 8}, b.value());
    }

    @Test
    void fallocateCopyFileRangeAndIoctlIn() throws Exception {
        assertEquals(new FallocateIn(3, 4096, 8192, 0x03), FallocateIn.decode(body(43,
                HandBytes.start().u64(3).u64(4096).u64(8192).u32(0x03).u32(0).toArray())));
        assertEquals(new CopyFileRangeIn(1, 2, 3, 4, 5, 6, 0), CopyFileRangeIn.decode(body(47,
                HandBytes.start().u64(1).u64(2).u64(3).u64(4).u64(5).u64(6).u64(0).toArray())));
        IoctlIn ioctl = IoctlIn.decode(body(39, HandBytes.start().u64(8).u32(IoctlIn.DIR).u32(0x40086602).u64(0)
                .u32(4).u32(0).u32(0x10).toArray()));
        assertEquals(8, ioctl.fh());
        assertEquals(IoctlIn.DIR, ioctl.flags());
        assertEquals(0x40086602, ioctl.cmd());
        assertArrayEquals(new byte[] {0x10, 0, 0, 0}, ioctl.in());
        StatxIn statx = StatxIn.decode(body(52, HandBytes.start().u32(1).u32(0).u64(44).u32(0x100).u32(0xfff).toArray()));
        assertEquals(new StatxIn(1, 44, 0x100, 0xfff), statx);
    }

    @Test
    void replies() {
        assertArrayEquals(HandBytes.start().u32(16 + 8).u32(0).u64(1).u32(4096).u32(0).toArray(),
                OutHeader.ok(1, new WriteOut(4096)));
        assertArrayEquals(HandBytes.start().u32(16 + 8).u32(0).u64(1).u64(1L << 35).toArray(),
                OutHeader.ok(1, new CopyFileRangeOut(1L << 35)));
        assertArrayEquals(HandBytes.start().u32(16 + 20).u32(0).u64(1).u32(0).u32(0).u32(0).u32(0).u32(0x80000).toArray(),
                OutHeader.ok(1, new IoctlOut(0, new byte[] {0, 0, 8, 0})));
        FuseAttr attr = new FuseAttr(12, 5, 8, 1, 2, 3, 4, 5, 6, 0100644, 1, 0, 0, 0, 4096, 0);
        CreateOut create = new CreateOut(new EntryOut(12, 1, 3600, 3600, 0, 0, attr), new OpenOut(77, 2, 0));
        byte[] reply = OutHeader.ok(1, create);
        assertEquals(16 + 144, reply.length);
        assertArrayEquals(HandBytes.start().u64(77).u32(2).u32(0).toArray(), java.util.Arrays.copyOfRange(reply, 16 + 128, 16 + 144),
                "fuse_open_out after fuse_entry_out");
    }

    @Test
    void statxOutIs288BytesInHeaderOrder() {
        long[] times = {10, 11, 20, 21, 30, 31, 40, 41};
        StatxOut s = new StatxOut(3600, 5, 0xfff, 4096, 0, 2, 1000, 100, 0100644, 12, 77, 8, 0, times, 8, 0x12345);
        HandBytes expected = HandBytes.start().u64(3600).u32(5).u32(0).zeros(16)
                .u32(0xfff).u32(4096).u64(0).u32(2).u32(1000).u32(100).u16(0100644).u16(0)
                .u64(12).u64(77).u64(8).u64(0)
                .u64(10).u32(11).u32(0).u64(20).u32(21).u32(0).u64(30).u32(31).u32(0).u64(40).u32(41).u32(0)
                .u32(8).u32(0x12345).u32(0).u32(0).zeros(112);
        assertEquals(StatxOut.SIZE, expected.size());
        WireWriter w = new WireWriter(StatxOut.SIZE);
        s.writeTo(w);
        assertArrayEquals(expected.toArray(), w.toByteArray());
    }
}
