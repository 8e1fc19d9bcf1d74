package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.MountOptionParser;

/** What the kernel and fusermount3 are handed for given mount options. */
class FuseMountOptionsTest {
    private static LinuxMountOptions parse(String options) {
        return LinuxMountOptions.of(MountOptionParser.parse(MountOptions.readWrite("/images/disk.img"), List.of(options)));
    }

    @Test
    void mountDataOfAPlainFuseMount() {
        assertEquals("fd=7,rootmode=40000,user_id=0,group_id=0,default_permissions",
                FuseMount.mountData(7, parse("uid=5,commit=9"), 0, 0));
        assertEquals("fd=3,rootmode=40000,user_id=1000,group_id=100,default_permissions,allow_other",
                FuseMount.mountData(3, parse("allow_other"), 1000, 100));
    }

    @Test
    void fuseblkAddsItsBlockSize() {
        LinuxMountOptions o = parse("ro").withBlockDevice(Path.of("/dev/loop3"), 4096);
        assertEquals("fd=4,rootmode=40000,user_id=0,group_id=0,default_permissions,blksize=4096",
                FuseMount.mountData(4, o, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> parse("ro").withBlockDevice(Path.of("/dev/loop3"), 3000));
    }

    @Test
    void mountFlags() {
        long nosuidNodev = FuseMount.MS_NOSUID | FuseMount.MS_NODEV;
        assertEquals(nosuidNodev, FuseMount.mountFlags(parse("rw").common()));
        assertEquals(nosuidNodev | FuseMount.MS_RDONLY | FuseMount.MS_NOEXEC | FuseMount.MS_NOATIME,
                FuseMount.mountFlags(parse("ro,noexec,noatime").common()));
        assertEquals(nosuidNodev | FuseMount.MS_STRICTATIME, FuseMount.mountFlags(parse("strictatime").common()));
        assertEquals(nosuidNodev | FuseMount.MS_NODIRATIME, FuseMount.mountFlags(parse("nodiratime").common()));
    }

    @Test
    void fusermountGetsNamedFlagsAndTheSubtype() {
        assertEquals(List.of("rw", "nosuid", "nodev", "default_permissions", "fsname=/images/disk.img",
                "subtype=ext4j"), FuseMount.fusermountOptions(parse("uid=1,gid=2,commit=3")));
        assertEquals(List.of("ro", "nosuid", "nodev", "noexec", "noatime", "default_permissions", "allow_other",
                "fsname=disk", "subtype=ext4j"),
                FuseMount.fusermountOptions(parse("ro,noexec,noatime,allow_other,fsname=disk")));
    }
}
