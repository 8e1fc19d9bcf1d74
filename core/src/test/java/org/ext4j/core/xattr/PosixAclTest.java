package org.ext4j.core.xattr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.junit.jupiter.api.Test;

/** The ACL codec on hand-checked values: the ext4 value below is what e2fsprogs stored for setfacl -m u:1000:r--,g:2000:rw-. */
class PosixAclTest {
    static final byte[] DISK = HexFormat.of().parseHex(
            "01000000" + "01000600" + "02000400e8030000" + "04000400" + "08000600d0070000" + "10000600" + "20000400");
    static final byte[] VFS = HexFormat.of().parseHex(
            "02000000" + "01000600ffffffff" + "02000400e8030000" + "04000400ffffffff" + "08000600d0070000"
                    + "10000600ffffffff" + "20000400ffffffff");

    @Test
    void decodesAndEncodesBothForms() {
        PosixAcl acl = PosixAcl.fromDisk(DISK);
        assertEquals(List.of(
                new PosixAcl.Entry(PosixAcl.ACL_USER_OBJ, 6, PosixAcl.ACL_UNDEFINED_ID),
                new PosixAcl.Entry(PosixAcl.ACL_USER, 4, 1000),
                new PosixAcl.Entry(PosixAcl.ACL_GROUP_OBJ, 4, PosixAcl.ACL_UNDEFINED_ID),
                new PosixAcl.Entry(PosixAcl.ACL_GROUP, 6, 2000),
                new PosixAcl.Entry(PosixAcl.ACL_MASK, 6, PosixAcl.ACL_UNDEFINED_ID),
                new PosixAcl.Entry(PosixAcl.ACL_OTHER, 4, PosixAcl.ACL_UNDEFINED_ID)), acl.entries());
        assertArrayEquals(DISK, acl.toDisk());
        assertArrayEquals(VFS, acl.toXattr());
        assertEquals(acl, PosixAcl.fromXattr(VFS));
        assertEquals("user::rw-\nuser:1000:r--\ngroup::r--\ngroup:2000:rw-\nmask::rw-\nother::r--\n", acl.toText());
        assertEquals("default:user::rw-\n", new PosixAcl(acl.entries().subList(0, 1)).toText("default:"));
    }

    @Test
    void malformedDiskValuesAreCorruption() {
        for (String hex : new String[] {
            "", "010000", "02000000", "0100000001000600" + "0200", "0100000002000400e803",
            "0100000040000600", "0100000001000800", "01000000010006000000"}) {
            byte[] v = HexFormat.of().parseHex(hex);
            assertThrows(CorruptionException.class, () -> PosixAcl.fromDisk(v), hex);
        }
        assertEquals(List.of(), PosixAcl.fromDisk(HexFormat.of().parseHex("01000000")).entries());
    }

    @Test
    void malformedXattrValuesAreInvalidArguments() {
        assertEquals(Errno.EINVAL, assertThrows(Ext4Exception.class,
                () -> PosixAcl.fromXattr(HexFormat.of().parseHex("0200000001000600"))).errno());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(Ext4Exception.class,
                () -> PosixAcl.fromXattr(HexFormat.of().parseHex("01000000"))).errno());
        assertEquals(Errno.EINVAL, assertThrows(Ext4Exception.class,
                () -> PosixAcl.fromXattr(HexFormat.of().parseHex("0200000003000600ffffffff"))).errno());
    }

    @Test
    void aDefaultAclMaskedForCreateKeepsNamedEntriesUnderTheMask() {
        // user::rwx user:1234:rwx group::r-x mask::rwx other::r-x, for a file created with mode 0640
        PosixAcl acl = new PosixAcl(List.of(
                new PosixAcl.Entry(PosixAcl.ACL_USER_OBJ, 7, PosixAcl.ACL_UNDEFINED_ID),
                new PosixAcl.Entry(PosixAcl.ACL_USER, 7, 1234),
                new PosixAcl.Entry(PosixAcl.ACL_GROUP_OBJ, 5, PosixAcl.ACL_UNDEFINED_ID),
                new PosixAcl.Entry(PosixAcl.ACL_MASK, 7, PosixAcl.ACL_UNDEFINED_ID),
                new PosixAcl.Entry(PosixAcl.ACL_OTHER, 5, PosixAcl.ACL_UNDEFINED_ID)));
        PosixAcl masked = acl.maskedForCreate(0100640);
        assertEquals(List.of(6, 7, 5, 4, 0), masked.entries().stream().map(PosixAcl.Entry::perm).toList(),
                "owner, mask and other limited by the mode; named entries and the owning group kept under the mask");
        assertEquals(0100640, masked.applyToMode(0100640));
        assertEquals(masked, masked.maskedForCreate(masked.applyToMode(0100666)), "masking again changes nothing");
        assertEquals(Errno.EIO, assertThrows(Ext4Exception.class, () -> new PosixAcl(List.of(
                new PosixAcl.Entry(PosixAcl.ACL_USER_OBJ, 7, PosixAcl.ACL_UNDEFINED_ID),
                new PosixAcl.Entry(PosixAcl.ACL_OTHER, 5, PosixAcl.ACL_UNDEFINED_ID))).maskedForCreate(0644)).errno());
    }
}
