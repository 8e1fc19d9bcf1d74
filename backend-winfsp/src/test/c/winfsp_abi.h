/*
 * WinFsp's FUSE3 ABI as a 64-bit Windows program sees it (MSVC, LLP64: long is 32 bits there,
 * so no member here is a long), for the test-only shim that presents it on Linux. Written from
 * the facts of WinFsp's own headers (inc/fuse/winfsp_fuse.h: the fuse_* types of _WIN64,
 * struct fuse_stat and fuse_stat_ex, struct fuse_statvfs, struct fuse_timespec;
 * inc/fuse3/fuse_common.h: struct fuse3_file_info, fuse3_conn_info, FUSE_CAP_*;
 * inc/fuse3/fuse.h: struct fuse3_operations, fuse3_config, fuse3_context; inc/fuse/fuse_common.h:
 * FSP_FUSE_CAP_*), the MSVC CRT's errno.h and fcntl.h, never from ext4j's Java constants: the
 * golden tests compare the two, so a wrong offset on either side fails a test. Every member has
 * a fixed width, so a Linux compiler (x86_64 or arm64) lays the structures out as MSVC does for
 * x64 and arm64.
 */
#ifndef EXT4J_WINFSP_ABI_H
#define EXT4J_WINFSP_ABI_H

#include <stddef.h>
#include <stdint.h>

/* winfsp_fuse.h, _WIN64: the fuse_* types. */
typedef uint32_t wf_uid_t;
typedef uint32_t wf_gid_t;
typedef int32_t wf_pid_t;
typedef uint32_t wf_dev_t;
typedef uint64_t wf_ino_t;
typedef uint32_t wf_mode_t;
typedef uint16_t wf_nlink_t;
typedef int64_t wf_off_t;
typedef uint64_t wf_fsblkcnt_t;
typedef uint64_t wf_fsfilcnt_t;
typedef int32_t wf_blksize_t;
typedef int64_t wf_blkcnt_t;

/* winfsp_fuse.h, _WIN64: struct fuse_timespec. */
struct wf_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* winfsp_fuse.h: struct fuse_stat (FSP_FUSE_STAT_FIELD_DEFN), with the birth time. */
struct wf_stat {
	wf_dev_t st_dev;
	wf_ino_t st_ino;
	wf_mode_t st_mode;
	wf_nlink_t st_nlink;
	wf_uid_t st_uid;
	wf_gid_t st_gid;
	wf_dev_t st_rdev;
	wf_off_t st_size;
	struct wf_timespec st_atim;
	struct wf_timespec st_mtim;
	struct wf_timespec st_ctim;
	wf_blksize_t st_blksize;
	wf_blkcnt_t st_blocks;
	struct wf_timespec st_birthtim;
};

/* winfsp_fuse.h: struct fuse_stat_ex, what WinFsp hands getattr when FSP_FUSE_CAP_STAT_EX is
 * wanted (and always for its own getattr("/") at start-up). */
struct wf_stat_ex {
	struct wf_stat st;
	uint32_t st_flags;
	uint32_t st_reserved32[3];
	uint64_t st_reserved64[2];
};

/* winfsp_fuse.h, _WIN64: struct fuse_statvfs. */
struct wf_statvfs {
	uint64_t f_bsize;
	uint64_t f_frsize;
	wf_fsblkcnt_t f_blocks;
	wf_fsblkcnt_t f_bfree;
	wf_fsblkcnt_t f_bavail;
	wf_fsfilcnt_t f_files;
	wf_fsfilcnt_t f_ffree;
	wf_fsfilcnt_t f_favail;
	uint64_t f_fsid;
	uint64_t f_flag;
	uint64_t f_namemax;
};

/* fuse_opt.h: struct fuse_args. */
struct wf_args {
	int32_t argc;
	char **argv;
	int32_t allocated;
};

/* fuse3/fuse_common.h: struct fuse3_file_info. Six one-bit flags and padding:27 do not fit in one
 * 32-bit unit, so the padding opens a second one (MSVC and GCC alike) and fh lands at 16. */
struct wf_file_info {
	int32_t flags;
	uint32_t writepage : 1;
	uint32_t direct_io : 1;
	uint32_t keep_cache : 1;
	uint32_t flush : 1;
	uint32_t nonseekable : 1;
	uint32_t flock_release : 1;
	uint32_t padding : 27;
	uint64_t fh;
	uint64_t lock_owner;
	uint32_t poll_events;
};

/* fuse3/fuse_common.h: struct fuse3_conn_info. */
struct wf_conn_info {
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
	uint32_t reserved[22];
};

/* fuse3/fuse.h: struct fuse3_config. */
struct wf_config {
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
};

/* fuse3/fuse.h: struct fuse3_context. */
struct wf_context {
	void *fuse;
	wf_uid_t uid;
	wf_gid_t gid;
	wf_pid_t pid;
	void *private_data;
	wf_mode_t umask;
};

typedef int (*wf_fill_dir_t)(void *buf, const char *name, const struct wf_stat *stbuf, wf_off_t off, int flags);

/* fuse3/fuse.h: struct fuse3_operations, 40 slots (those WinFsp marks unsupported are named too:
 * it never calls them). */
struct wf_operations {
	int (*getattr)(const char *, struct wf_stat *, struct wf_file_info *);
	int (*readlink)(const char *, char *, size_t);
	int (*mknod)(const char *, wf_mode_t, wf_dev_t);
	int (*mkdir)(const char *, wf_mode_t);
	int (*unlink)(const char *);
	int (*rmdir)(const char *);
	int (*symlink)(const char *, const char *);
	int (*rename)(const char *, const char *, uint32_t flags);
	int (*link)(const char *, const char *);
	int (*chmod)(const char *, wf_mode_t, struct wf_file_info *);
	int (*chown)(const char *, wf_uid_t, wf_gid_t, struct wf_file_info *);
	int (*truncate)(const char *, wf_off_t, struct wf_file_info *);
	int (*open)(const char *, struct wf_file_info *);
	int (*read)(const char *, char *, size_t, wf_off_t, struct wf_file_info *);
	int (*write)(const char *, const char *, size_t, wf_off_t, struct wf_file_info *);
	int (*statfs)(const char *, struct wf_statvfs *);
	int (*flush)(const char *, struct wf_file_info *);
	int (*release)(const char *, struct wf_file_info *);
	int (*fsync)(const char *, int32_t, struct wf_file_info *);
	int (*setxattr)(const char *, const char *, const char *, size_t, int32_t);
	int (*getxattr)(const char *, const char *, char *, size_t);
	int (*listxattr)(const char *, char *, size_t);
	int (*removexattr)(const char *, const char *);
	int (*opendir)(const char *, struct wf_file_info *);
	int (*readdir)(const char *, void *, wf_fill_dir_t, wf_off_t, struct wf_file_info *, int32_t flags);
	int (*releasedir)(const char *, struct wf_file_info *);
	int (*fsyncdir)(const char *, int32_t, struct wf_file_info *);
	void *(*init)(struct wf_conn_info *, struct wf_config *);
	void (*destroy)(void *);
	int (*access)(const char *, int32_t);
	int (*create)(const char *, wf_mode_t, struct wf_file_info *);
	int (*lock)(const char *, struct wf_file_info *, int32_t, void *);
	int (*utimens)(const char *, const struct wf_timespec tv[2], struct wf_file_info *);
	int (*bmap)(const char *, size_t, uint64_t *);
	int (*ioctl)(const char *, int32_t, void *, struct wf_file_info *, uint32_t, void *);
	int (*poll)(const char *, struct wf_file_info *, void *, uint32_t *);
	int (*write_buf)(const char *, void *, wf_off_t, struct wf_file_info *);
	int (*read_buf)(const char *, void **, size_t, wf_off_t, struct wf_file_info *);
	int (*flock)(const char *, struct wf_file_info *, int32_t);
	int (*fallocate)(const char *, int32_t, wf_off_t, wf_off_t, struct wf_file_info *);
};

/* fuse3/fuse.h: enum fuse3_readdir_flags and fuse3_fill_dir_flags. */
#define WF_READDIR_PLUS (1 << 0)
#define WF_FILL_DIR_PLUS (1 << 1)

/* fuse3/fuse_common.h: FUSE_CAP_*; fuse/fuse_common.h: FSP_FUSE_CAP_* and FUSE_CAP_BIG_WRITES
 * (the FUSE2 bits WinFsp's loop offers, which its FUSE3 layer passes on). */
#define WF_CAP_ASYNC_READ (1u << 0)
#define WF_CAP_BIG_WRITES (1u << 5)
#define WF_CAP_DONT_MASK (1u << 6)
#define WF_CAP_READDIRPLUS (1u << 13)
#define WF_FSP_CAP_READDIR_PLUS (1u << 21)
#define WF_FSP_CAP_READ_ONLY (1u << 22)
#define WF_FSP_CAP_STAT_EX (1u << 23)
#define WF_FSP_CAP_DELETE_ACCESS (1u << 24)
#define WF_CAP_CASE_INSENSITIVE (1u << 29)

/* The MSVC CRT's errno.h (those that differ from Linux; 1 to 34 are the historic UNIX ones,
 * but MSVC has no 26 ETXTBSY, which moved to 139). No EDQUOT, ESTALE or EUCLEAN exists. */
#define WF_EDEADLK 36
#define WF_ENAMETOOLONG 38
#define WF_ENOLCK 39
#define WF_ENOSYS 40
#define WF_ENOTEMPTY 41
#define WF_EILSEQ 42
#define WF_ELOOP 114
#define WF_ENODATA 120
#define WF_ENOTSUP 129
#define WF_EOPNOTSUPP 130
#define WF_EOVERFLOW 132
#define WF_ETXTBSY 139

/* The MSVC CRT's fcntl.h: what WinFsp's FUSE layer puts in fuse_file_info.flags (the access
 * mode on open; _O_CREAT | _O_EXCL | _O_RDWR on create). */
#define WF_O_RDONLY 0x0000
#define WF_O_WRONLY 0x0001
#define WF_O_RDWR 0x0002
#define WF_O_ACCMODE 0x0003
#define WF_O_APPEND 0x0008
#define WF_O_CREAT 0x0100
#define WF_O_TRUNC 0x0200
#define WF_O_EXCL 0x0400

/* fuse3/fuse_common.h: FUSE_MAKE_VERSION(maj, min) is maj * 10 + min, and the API is 3.2. */
#define WF_FUSE_VERSION 32

#endif
