package org.ext4j.highlevel.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ext4j.core.host.DevT;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.WritableFileSystem;
import org.junit.jupiter.api.Test;

/**
 * The targets this machine cannot compile for, checked against their headers: each struct is
 * laid out here by the LP64 rules ({@link CStruct}) from its member declarations, copied in the
 * header's order with the header named, and the values are the headers' numbers. A layout
 * constant that disagrees with its header's declaration order fails here.
 */
class OtherTargetsGoldenTest {

    /**
     * FreeBSD 12+ amd64, sys/sys/stat.h (the 64-bit ino_t layout, struct stat with st_bsdflags
     * and st_birthtim): dev_t, ino_t, nlink_t are 64-bit, mode_t 16-bit, blksize_t and fflags_t
     * 32-bit.
     */
    @Test
    void freebsdAmd64Stat() {
        CStruct st = new CStruct().integer("st_dev", 8).integer("st_ino", 8).integer("st_nlink", 8)
                .integer("st_mode", 2).integer("st_bsdflags", 2).integer("st_uid", 4).integer("st_gid", 4)
                .integer("st_padding1", 4).integer("st_rdev", 8).timespec("st_atim").timespec("st_mtim")
                .timespec("st_ctim").timespec("st_birthtim").integer("st_size", 8).integer("st_blocks", 8)
                .integer("st_blksize", 4).integer("st_flags", 4).integer("st_gen", 8).member("st_spare", 80, 8);
        assertStat(st, StatLayout.FREEBSD_AMD64);
        assertEquals(224, st.size(), "FreeBSD's struct stat is 224 bytes");
        assertEquals(st.offset("st_birthtim"), StatLayout.FREEBSD_AMD64.birthtime());
    }

    /** FreeBSD sys/sys/statvfs.h: the block counts first, f_bavail leading. */
    @Test
    void freebsdAmd64Statvfs() {
        CStruct s = new CStruct().integer("f_bavail", 8).integer("f_bfree", 8).integer("f_blocks", 8)
                .integer("f_favail", 8).integer("f_ffree", 8).integer("f_files", 8).integer("f_bsize", 8)
                .integer("f_flag", 8).integer("f_frsize", 8).integer("f_fsid", 8).integer("f_namemax", 8);
        assertStatvfs(s, StatvfsLayout.FREEBSD_AMD64);
    }

    /**
     * Linux aarch64: glibc's generic struct stat (sysdeps/unix/sysv/linux/generic/bits/struct_stat.h,
     * the asm-generic layout): 32-bit st_mode before a 32-bit st_nlink, padding after st_rdev
     * and st_blksize.
     */
    @Test
    void linuxAarch64Stat() {
        CStruct st = new CStruct().integer("st_dev", 8).integer("st_ino", 8).integer("st_mode", 4)
                .integer("st_nlink", 4).integer("st_uid", 4).integer("st_gid", 4).integer("st_rdev", 8)
                .integer("__pad1", 8).integer("st_size", 8).integer("st_blksize", 4).integer("__pad2", 4)
                .integer("st_blocks", 8).timespec("st_atim").timespec("st_mtim").timespec("st_ctim")
                .member("__glibc_reserved", 8, 4);
        assertStat(st, StatLayout.LINUX_AARCH64);
        assertEquals(-1, StatLayout.LINUX_AARCH64.birthtime());
        assertSame(StatvfsLayout.LINUX_64, Platform.LINUX_AARCH64.statfs(), "glibc's statvfs is the same on both 64-bit Linux targets");
    }

    /** FreeBSD's numbers: sys/sys/errno.h, sys/sys/fcntl.h, sys/sys/unistd.h, sys/sys/stat.h. */
    @Test
    void freebsdErrnoAndFlags() {
        ErrnoTable e = ErrnoTable.FREEBSD;
        assertEquals(87, e.code(Errno.ENODATA), "ENOATTR: FreeBSD has no ENODATA");
        assertEquals(35, e.code(Errno.EAGAIN));
        assertEquals(63, e.code(Errno.ENAMETOOLONG));
        assertEquals(66, e.code(Errno.ENOTEMPTY));
        assertEquals(62, e.code(Errno.ELOOP));
        assertEquals(78, e.code(Errno.ENOSYS));
        assertEquals(45, e.code(Errno.EOPNOTSUPP));
        assertEquals(70, e.code(Errno.ESTALE));
        assertEquals(69, e.code(Errno.EDQUOT));
        assertEquals(84, e.code(Errno.EOVERFLOW));
        assertEquals(97, e.code(Errno.EUCLEAN), "EINTEGRITY");
        assertEquals(13, e.code(Errno.EACCES));
        Platform bsd = Platform.FREEBSD_AMD64;
        // O_WRONLY 1, O_RDWR 2, O_APPEND 0x0008, O_TRUNC 0x0400, O_EXCL 0x0800, O_CREAT 0x0200.
        assertEquals(WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL | WritableFileSystem.O_APPEND,
                bsd.openFlags().toCore(0x0002 | 0x0800 | 0x0008 | 0x0200));
        assertEquals(WritableFileSystem.O_WRONLY | WritableFileSystem.O_TRUNC, bsd.openFlags().toCore(0x0001 | 0x0400));
        assertEquals(WritableFileSystem.SEEK_DATA, bsd.whence().toCore(3));
        assertEquals(WritableFileSystem.SEEK_HOLE, bsd.whence().toCore(4));
        assertEquals(-1L, bsd.utimeNow(), "UTIME_NOW is -1 on FreeBSD");
        assertEquals(-2L, bsd.utimeOmit(), "UTIME_OMIT is -2");
        assertEquals(2, bsd.modeWidth(), "mode_t is __uint16_t");
        assertEquals(0100644, bsd.mode(0xFFFF_0000L | 0100644), "the upper bits of a 16-bit mode_t argument are not ours");
        assertTrue(bsd.renameFlags().hasUnknown(1), "FreeBSD's fusefs sends no rename flags");
        assertEquals(null, bsd.fileAttrIoctls());
    }

    /** FreeBSD sys/sys/types.h makedev/major/minor for 64-bit dev_t. */
    @Test
    void freebsdDevices() {
        DevT d = Platform.FREEBSD_AMD64.devices();
        long dev = d.encode(0x12345678L, 0x9abcdef0L);
        // makedev(x, y): ((x & 0xffffff00) << 32) | ((x & 0xff) << 8) | ((y & 0xff00) << 24) | (y & 0xffff00ff)
        assertEquals(0x1234560000000000L | 0x7800L | 0xde00000000L | 0x9abc00f0L, dev);
        assertEquals(0x12345678L, d.major(dev));
        assertEquals(0x9abcdef0L, d.minor(dev));
    }

    /**
     * libfuse 3.17 (include/fuse_common.h, include/fuse.h of 3.17.4): fuse_file_info gained
     * padding3, backing_id, compat_flags and reserved[2] (64 bytes, fh still at 16); fuse_config
     * moved no_rofd_flush behind debug and grew to 520 bytes with reserved[48], which puts
     * nullpath_ok back at 96; fuse_operations keeps its 42 slots.
     */
    @Test
    void libfuse317() {
        CStruct fi = new CStruct().integer("flags", 4).integer("bits", 4).integer("padding2", 4)
                .integer("padding3", 4).integer("fh", 8).integer("lock_owner", 8).integer("poll_events", 4)
                .integer("backing_id", 4).integer("compat_flags", 8).member("reserved", 16, 8);
        CStruct cfg = configPrefix().integer("ac_attr_timeout_set", 4).member("ac_attr_timeout", 8, 8)
                .integer("nullpath_ok", 4).integer("show_help", 4).member("modules", 8, 8).integer("debug", 4)
                .integer("fmask", 4).integer("dmask", 4).integer("no_rofd_flush", 4)
                .integer("parallel_direct_writes", 4).integer("flags", 4).member("reserved", 8 * 48, 8);
        LibfuseAbi abi = LibfuseAbi.forVersion(317);
        assertEquals(fi.size(), abi.fileInfoSize());
        assertEquals(64, abi.fileInfoSize());
        assertEquals(fi.offset("fh"), LibfuseAbi.FI_FH.offset());
        assertEquals(cfg.size(), abi.configSize());
        assertEquals(cfg.offset("nullpath_ok"), abi.nullpathOk().offset());
        assertTrue(abi.versionedNew(), "3.17 hides fuse_new: _fuse_new_31 with a struct libfuse_version");
        assertTrue(LibfuseAbi.forVersion(318).versionedNew());
        assertFalse(LibfuseAbi.forVersion(316).versionedNew());
    }

    /**
     * libfuse 3.11-3.16 put no_rofd_flush right after auto_cache (3.15 and 3.16 also
     * parallel_direct_writes after nullpath_ok); 3.2-3.10 had neither.
     */
    @Test
    void libfuseBefore317() {
        CStruct cfg316 = configPrefix().integer("no_rofd_flush", 4).integer("ac_attr_timeout_set", 4)
                .member("ac_attr_timeout", 8, 8).integer("nullpath_ok", 4).integer("parallel_direct_writes", 4)
                .integer("show_help", 4).member("modules", 8, 8).integer("debug", 4);
        CStruct cfg310 = configPrefix().integer("ac_attr_timeout_set", 4).member("ac_attr_timeout", 8, 8)
                .integer("nullpath_ok", 4).integer("show_help", 4).member("modules", 8, 8).integer("debug", 4);
        assertEquals(cfg316.offset("nullpath_ok"), LibfuseAbi.forVersion(316).nullpathOk().offset());
        assertEquals(cfg316.size(), LibfuseAbi.forVersion(316).configSize());
        assertEquals(cfg310.offset("nullpath_ok"), LibfuseAbi.forVersion(310).nullpathOk().offset());
        assertEquals(cfg310.size(), LibfuseAbi.forVersion(310).configSize());
        assertEquals(40, LibfuseAbi.forVersion(316).fileInfoSize());
    }

    /** fuse_config up to auto_cache, the same in every 3.x. */
    private static CStruct configPrefix() {
        CStruct c = new CStruct().integer("set_gid", 4).integer("gid", 4).integer("set_uid", 4).integer("uid", 4)
                .integer("set_mode", 4).integer("umask", 4).member("entry_timeout", 8, 8)
                .member("negative_timeout", 8, 8).member("attr_timeout", 8, 8).integer("intr", 4)
                .integer("intr_signal", 4).integer("remember", 4).integer("hard_remove", 4).integer("use_ino", 4)
                .integer("readdir_ino", 4).integer("direct_io", 4).integer("kernel_cache", 4)
                .integer("auto_cache", 4);
        assertEquals(c.offset("use_ino"), LibfuseAbi.CFG_USE_INO.offset());
        assertEquals(c.offset("hard_remove"), LibfuseAbi.CFG_HARD_REMOVE.offset());
        assertEquals(c.offset("auto_cache"), LibfuseAbi.CFG_AUTO_CACHE.offset());
        assertEquals(c.offset("attr_timeout"), LibfuseAbi.CFG_ATTR_TIMEOUT.offset());
        return c;
    }

    private static void assertStat(CStruct st, StatLayout layout) {
        assertEquals(st.size(), layout.size(), "sizeof(struct stat)");
        assertEquals(st.field("st_dev"), layout.dev());
        assertEquals(st.field("st_ino"), layout.ino());
        assertEquals(st.field("st_nlink"), layout.nlink());
        assertEquals(st.field("st_mode"), layout.mode());
        assertEquals(st.field("st_uid"), layout.uid());
        assertEquals(st.field("st_gid"), layout.gid());
        assertEquals(st.field("st_rdev"), layout.rdev());
        assertEquals(st.field("st_size"), layout.fileSize());
        assertEquals(st.field("st_blksize"), layout.blksize());
        assertEquals(st.field("st_blocks"), layout.blocks());
        assertEquals(st.offset("st_atim"), layout.atime());
        assertEquals(st.offset("st_mtim"), layout.mtime());
        assertEquals(st.offset("st_ctim"), layout.ctime());
    }

    private static void assertStatvfs(CStruct s, StatvfsLayout layout) {
        assertEquals(s.size(), layout.size(), "sizeof(struct statvfs)");
        assertEquals(s.field("f_bsize"), layout.bsize());
        assertEquals(s.field("f_frsize"), layout.frsize());
        assertEquals(s.field("f_blocks"), layout.blocks());
        assertEquals(s.field("f_bfree"), layout.bfree());
        assertEquals(s.field("f_bavail"), layout.bavail());
        assertEquals(s.field("f_files"), layout.files());
        assertEquals(s.field("f_ffree"), layout.ffree());
        assertEquals(s.field("f_favail"), layout.favail());
        assertEquals(s.field("f_fsid"), layout.fsid());
        assertEquals(s.field("f_flag"), layout.flag());
        assertEquals(s.field("f_namemax"), layout.namemax());
    }
}
