/*
 * The ABI of macFUSE 5's libfuse3 as a program compiled on macOS with the Darwin extensions on
 * (FUSE_DARWIN_ENABLE_EXTENSIONS=1, the default) sees it, for the test-only shim that presents
 * it on Linux. Written from the facts of macFUSE's own headers (its library repository:
 * include/fuse_common.h, include/fuse.h, include/fuse_lowlevel.h) and Apple's xnu headers
 * (bsd/sys/_types.h, types.h, stat.h, mount.h, errno.h, fcntl.h, xattr.h, _types/_seek_set.h),
 * never from ext4j's Java constants: the golden tests compare the two, so a wrong offset on
 * either side fails a test. Every member has a fixed width, so the layouts are the same on
 * x86_64 and arm64 (the tests compile this header for both).
 */
#ifndef EXT4J_MACFUSE_ABI_H
#define EXT4J_MACFUSE_ABI_H

#include <stdint.h>
#include <stddef.h>

/* bsd/sys/_types.h: __darwin_mode_t uint16, nlink_t uint16, dev_t int32, uid_t/gid_t uint32,
 * ino64_t uint64, blkcnt_t int64, blksize_t int32; off_t int64; pid_t int32. */
typedef uint16_t mf_mode_t;
typedef uint16_t mf_nlink_t;
typedef int32_t mf_dev_t;
typedef uint32_t mf_uid_t;
typedef uint32_t mf_gid_t;
typedef int32_t mf_pid_t;
typedef int64_t mf_off_t;

/* struct timespec on 64-bit macOS: __darwin_time_t (long) and long. */
struct mf_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* fuse_common.h, "Darwin file attributes": struct fuse_darwin_attr. */
struct mf_darwin_attr {
	uint64_t ino;
	mf_mode_t mode;
	mf_nlink_t nlink;
	mf_uid_t uid;
	mf_gid_t gid;
	mf_dev_t rdev;
	struct mf_timespec atimespec;
	struct mf_timespec mtimespec;
	struct mf_timespec ctimespec;
	struct mf_timespec btimespec;
	struct mf_timespec bkuptimespec;
	mf_off_t size;
	int64_t blocks;
	int32_t blksize;
	uint32_t flags;
	uint64_t reserved[8];
};

/* bsd/sys/mount.h: __DARWIN_STRUCT_STATFS64 (struct statfs with 64-bit inodes); fsid_t is
 * struct { int32_t val[2]; }, MFSTYPENAMELEN 16, MAXPATHLEN 1024. */
struct mf_statfs {
	uint32_t f_bsize;
	int32_t f_iosize;
	uint64_t f_blocks;
	uint64_t f_bfree;
	uint64_t f_bavail;
	uint64_t f_files;
	uint64_t f_ffree;
	struct { int32_t val[2]; } f_fsid;
	mf_uid_t f_owner;
	uint32_t f_type;
	uint32_t f_flags;
	uint32_t f_fssubtype;
	char f_fstypename[16];
	char f_mntonname[1024];
	char f_mntfromname[1024];
	uint32_t f_flags_ext;
	uint32_t f_reserved[7];
};

/* fuse_opt.h: struct fuse_args. */
struct mf_args {
	int argc;
	char **argv;
	int allocated;
};

/* fuse_common.h: struct libfuse_version, the Apple branch of its last word. */
struct mf_libfuse_version {
	uint32_t major;
	uint32_t minor;
	uint32_t hotfix;
	uint32_t darwin_extensions_enabled : 1;
	uint32_t padding : 31;
};

/* fuse_common.h: struct fuse_file_info of libfuse 3.17 (macFUSE 5 keeps it). */
struct mf_file_info {
	int32_t flags;
	uint32_t writepage : 1;
	uint32_t direct_io : 1;
	uint32_t keep_cache : 1;
	uint32_t flush : 1;
	uint32_t nonseekable : 1;
	uint32_t flock_release : 1;
	uint32_t cache_readdir : 1;
	uint32_t noflush : 1;
	uint32_t parallel_direct_writes : 1;
	uint32_t padding : 23;
	uint32_t padding2 : 32;
	uint32_t padding3 : 32;
	uint64_t fh;
	uint64_t lock_owner;
	uint32_t poll_events;
	int32_t backing_id;
	uint64_t compat_flags;
	uint64_t reserved[2];
};

/* fuse_common.h: struct fuse_conn_info, with capable_darwin and want_darwin under __APPLE__. */
struct mf_conn_info {
	uint32_t proto_major;
	uint32_t proto_minor;
	uint32_t max_write;
	uint32_t max_read;
	uint32_t max_readahead;
	uint32_t capable;
	uint32_t want;
	uint32_t max_background;
	uint32_t congestion_threshold;
	uint32_t time_gran;
	uint32_t max_backing_stack_depth;
	uint32_t no_interrupt : 1;
	uint32_t padding : 31;
	uint64_t capable_ext;
	uint64_t want_ext;
	uint64_t capable_darwin;
	uint64_t want_darwin;
	uint32_t reserved[16];
};

/* fuse.h: struct fuse_config (ends in reserved[48]). */
struct mf_config {
	int32_t set_gid;
	uint32_t gid;
	int32_t set_uid;
	uint32_t uid;
	int32_t set_mode;
	uint32_t umask;
	double entry_timeout;
	double negative_timeout;
	double attr_timeout;
	int32_t intr;
	int32_t intr_signal;
	int32_t remember;
	int32_t hard_remove;
	int32_t use_ino;
	int32_t readdir_ino;
	int32_t direct_io;
	int32_t kernel_cache;
	int32_t auto_cache;
	int32_t ac_attr_timeout_set;
	double ac_attr_timeout;
	int32_t nullpath_ok;
	int32_t show_help;
	char *modules;
	int32_t debug;
	uint32_t fmask;
	uint32_t dmask;
	int32_t no_rofd_flush;
	int32_t parallel_direct_writes;
	uint32_t flags;
	uint64_t reserved[48];
};

/* fuse.h: struct fuse_context. */
struct mf_context {
	void *fuse;
	mf_uid_t uid;
	mf_gid_t gid;
	mf_pid_t pid;
	void *private_data;
	mf_mode_t umask;
};

typedef int (*mf_fill_dir_t)(void *buf, const char *name, const struct mf_darwin_attr *attr, mf_off_t off,
		int flags);

/* fuse.h: struct fuse_operations as FUSE_DARWIN_EXTEND_OPERATION lays it out with the extensions
 * on: getattr, the Apple setattr, libfuse3's slots up to lseek, then chflags, setvolname,
 * monitor. (macFUSE 5.2 appends statx after monitor; a table without it is copied as given.) */
struct mf_operations {
	int (*getattr)(const char *, struct mf_darwin_attr *, struct mf_file_info *);
	int (*setattr)(const char *, struct mf_darwin_attr *, int to_set, struct mf_file_info *);
	int (*readlink)(const char *, char *, size_t);
	int (*mknod)(const char *, mf_mode_t, mf_dev_t);
	int (*mkdir)(const char *, mf_mode_t);
	int (*unlink)(const char *);
	int (*rmdir)(const char *);
	int (*symlink)(const char *, const char *);
	int (*rename)(const char *, const char *, unsigned int flags);
	int (*link)(const char *, const char *);
	int (*chmod)(const char *, mf_mode_t, struct mf_file_info *);
	int (*chown)(const char *, mf_uid_t, mf_gid_t, struct mf_file_info *);
	int (*truncate)(const char *, mf_off_t, struct mf_file_info *);
	int (*open)(const char *, struct mf_file_info *);
	int (*read)(const char *, char *, size_t, mf_off_t, struct mf_file_info *);
	int (*write)(const char *, const char *, size_t, mf_off_t, struct mf_file_info *);
	int (*statfs)(const char *, struct mf_statfs *);
	int (*flush)(const char *, struct mf_file_info *);
	int (*release)(const char *, struct mf_file_info *);
	int (*fsync)(const char *, int, struct mf_file_info *);
	int (*setxattr)(const char *, const char *, const char *, size_t, int, uint32_t position);
	int (*getxattr)(const char *, const char *, char *, size_t, uint32_t position);
	int (*listxattr)(const char *, char *, size_t);
	int (*removexattr)(const char *, const char *);
	int (*opendir)(const char *, struct mf_file_info *);
	int (*readdir)(const char *, void *, mf_fill_dir_t, mf_off_t, struct mf_file_info *, int flags);
	int (*releasedir)(const char *, struct mf_file_info *);
	int (*fsyncdir)(const char *, int, struct mf_file_info *);
	void *(*init)(struct mf_conn_info *, struct mf_config *);
	void (*destroy)(void *);
	int (*access)(const char *, int);
	int (*create)(const char *, mf_mode_t, struct mf_file_info *);
	int (*lock)(const char *, struct mf_file_info *, int, void *);
	int (*utimens)(const char *, const struct mf_timespec tv[3], struct mf_file_info *);
	int (*bmap)(const char *, size_t, uint64_t *);
	int (*ioctl)(const char *, unsigned int, void *, struct mf_file_info *, unsigned int, void *);
	int (*poll)(const char *, struct mf_file_info *, void *, unsigned *);
	int (*write_buf)(const char *, void *, mf_off_t, struct mf_file_info *);
	int (*read_buf)(const char *, void **, size_t, mf_off_t, struct mf_file_info *);
	int (*flock)(const char *, struct mf_file_info *, int);
	int (*fallocate)(const char *, int, mf_off_t, mf_off_t, struct mf_file_info *);
	int64_t (*copy_file_range)(const char *, struct mf_file_info *, mf_off_t, const char *, struct mf_file_info *,
			mf_off_t, size_t, int);
	mf_off_t (*lseek)(const char *, mf_off_t, int, struct mf_file_info *);
	int (*chflags)(const char *, struct mf_file_info *, unsigned int);
	int (*setvolname)(const char *);
	void (*monitor)(const char *, uint32_t);
};

/* fuse_lowlevel.h: setattr's to_set bits, with the Darwin ones. */
#define MF_SET_ATTR_MODE (1 << 0)
#define MF_SET_ATTR_UID (1 << 1)
#define MF_SET_ATTR_GID (1 << 2)
#define MF_SET_ATTR_SIZE (1 << 3)
#define MF_SET_ATTR_ATIME (1 << 4)
#define MF_SET_ATTR_MTIME (1 << 5)
#define MF_SET_ATTR_ATIME_NOW (1 << 7)
#define MF_SET_ATTR_MTIME_NOW (1 << 8)
#define MF_SET_ATTR_BTIME (1 << 28)
#define MF_SET_ATTR_BKUPTIME (1 << 30)
#define MF_SET_ATTR_FLAGS (1u << 31)

/* bsd/sys/errno.h (those that differ from Linux). */
#define MF_EDEADLK 11
#define MF_EAGAIN 35
#define MF_ENOTSUP 45
#define MF_ELOOP 62
#define MF_ENAMETOOLONG 63
#define MF_ENOTEMPTY 66
#define MF_EDQUOT 69
#define MF_ESTALE 70
#define MF_ENOSYS 78
#define MF_EOVERFLOW 84
#define MF_ENOATTR 93
#define MF_ENODATA 96

/* bsd/sys/fcntl.h. */
#define MF_O_ACCMODE 0x0003
#define MF_O_RDWR 0x0002
#define MF_O_NONBLOCK 0x00000004
#define MF_O_APPEND 0x00000008
#define MF_O_SYNC 0x00000080
#define MF_O_NOFOLLOW 0x00000100
#define MF_O_CREAT 0x00000200
#define MF_O_TRUNC 0x00000400
#define MF_O_EXCL 0x00000800
#define MF_O_NOCTTY 0x00020000
#define MF_O_DIRECTORY 0x00100000
#define MF_O_EXEC 0x40000000

/* bsd/sys/xattr.h. */
#define MF_XATTR_NOFOLLOW 0x0001
#define MF_XATTR_CREATE 0x0002
#define MF_XATTR_REPLACE 0x0004

/* bsd/sys/stdio.h renamex_np flags (macFUSE maps RENAME_EXCHANGE/NOREPLACE onto them). */
#define MF_RENAME_SWAP 0x00000002
#define MF_RENAME_EXCL 0x00000004

/* bsd/sys/_types/_seek_set.h. */
#define MF_SEEK_HOLE 3
#define MF_SEEK_DATA 4

/* bsd/sys/stat.h. */
#define MF_UTIME_NOW -1
#define MF_UTIME_OMIT -2
#define MF_UF_NODUMP 0x00000001
#define MF_UF_IMMUTABLE 0x00000002
#define MF_UF_APPEND 0x00000004
#define MF_SF_IMMUTABLE 0x00020000
#define MF_SF_APPEND 0x00040000

/* bsd/sys/types.h: makedev(x, y) = (x << 24) | y; major 8 bits, minor 24. */
#define MF_MAJOR(d) ((int32_t) (((uint32_t) (d) >> 24) & 0xff))
#define MF_MINOR(d) ((int32_t) ((d) & 0xffffff))
#define MF_MAKEDEV(x, y) ((mf_dev_t) (((uint32_t) (x) << 24) | (uint32_t) (y)))

#endif
