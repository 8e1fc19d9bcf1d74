/*
 * The Linux half of a test-only stand-in for macFUSE 5's libfuse3 on Linux: it exports macFUSE's entry points
 * (_fuse_new_31 with a struct libfuse_version whose darwin_extensions_enabled bit must be set,
 * fuse_mount, fuse_loop_mt_312, fuse_get_context, ...), takes the Apple fuse_operations table
 * and serves it on Linux by translating each request of the real Linux libfuse3 high-level API
 * into the Darwin call and back: struct fuse_darwin_attr and struct statfs instead of struct
 * stat and statvfs, macOS's errno numbers, O_* flags, xattr flags and names (one namespace,
 * the position argument), renamex_np flags, SEEK_HOLE/SEEK_DATA, UTIME_NOW/OMIT and dev_t,
 * the utimens array of three, setattr with its fallback to chmod/chown/truncate/utimens/chflags
 * as macFUSE's library does it, and names normalized to NFD as macFUSE's library normalizes
 * the names it caches (ICU). With -o backend=fskit it applies FSKit's rules: a volume name is
 * required, the mount point must be in a directory named Volumes, fuse_mount and the loop must
 * run on one thread, the caller context is not available, and files are opened read/write.
 *
 * The layouts come from macfuse_abi.h, written from macFUSE's and Apple's headers. The real
 * libfuse3 is reached through dlopen/dlsym (this library exports the same names, so it is not
 * linked against it); its headers are used for the Linux side's structures only.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include "macfuse_abi.h"
#include "macfuse_shim.h"

/* ---- the real libfuse3, by dlsym ---- */

static void *real_lib;
static struct fuse *(*real_fuse_new_31)(struct fuse_args *, const struct fuse_operations *, size_t, void *);
static int (*real_fuse_mount)(struct fuse *, const char *);
static void (*real_fuse_unmount)(struct fuse *);
static void (*real_fuse_destroy)(struct fuse *);
static void (*real_fuse_exit)(struct fuse *);
static int (*real_fuse_loop_mt_312)(struct fuse *, struct fuse_loop_config *);
static struct fuse_loop_config *(*real_loop_cfg_create)(void);
static void (*real_loop_cfg_destroy)(struct fuse_loop_config *);
static void (*real_loop_cfg_set_max_threads)(struct fuse_loop_config *, unsigned int);
static void (*real_loop_cfg_set_clone_fd)(struct fuse_loop_config *, unsigned int);
static struct fuse_context *(*real_fuse_get_context)(void);
static int (*real_fuse_opt_add_arg)(struct fuse_args *, const char *);
static void (*real_fuse_opt_free_args)(struct fuse_args *);
static int (*real_fuse_version)(void);

static void *need(const char *name)
{
	void *p = dlsym(real_lib, name);
	if (!p) {
		fprintf(stderr, "macfuse-shim: the Linux libfuse3 has no %s\n", name);
		abort();
	}
	return p;
}

static void load_real(void)
{
	if (real_lib)
		return;
	/* Its own symbols first: this library exports the same names, which libfuse's calls to
	 * itself (fuse_get_context) must not reach. */
	real_lib = dlopen("libfuse3.so.3", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	if (!real_lib) {
		fprintf(stderr, "macfuse-shim: %s\n", dlerror());
		abort();
	}
	real_fuse_new_31 = need("fuse_new_31");
	real_fuse_mount = need("fuse_mount");
	real_fuse_unmount = need("fuse_unmount");
	real_fuse_destroy = need("fuse_destroy");
	real_fuse_exit = need("fuse_exit");
	real_fuse_loop_mt_312 = need("fuse_loop_mt_312");
	real_loop_cfg_create = need("fuse_loop_cfg_create");
	real_loop_cfg_destroy = need("fuse_loop_cfg_destroy");
	real_loop_cfg_set_max_threads = need("fuse_loop_cfg_set_max_threads");
	real_loop_cfg_set_clone_fd = need("fuse_loop_cfg_set_clone_fd");
	real_fuse_get_context = need("fuse_get_context");
	real_fuse_opt_add_arg = need("fuse_opt_add_arg");
	real_fuse_opt_free_args = need("fuse_opt_free_args");
	real_fuse_version = need("fuse_version");
}

/* ---- one instance per _fuse_new_31 ---- */

struct shim {
	struct fuse *real;
	struct mf_operations ops;
	void *user_data;
	int fskit;
	int has_volname;
	pthread_t mount_thread;
	int mounted;
};

static struct shim *current(void)
{
	return (struct shim *) real_fuse_get_context()->private_data;
}

/* ---- errno, flags, names ---- */

/* A negative macOS errno as the negative Linux one. */
static int to_linux_errno(int r)
{
	if (r >= 0)
		return r;
	switch (-r) {
	case MF_EDEADLK: return -EDEADLK;
	case MF_EAGAIN: return -EAGAIN;
	case MF_ENOTSUP: return -EOPNOTSUPP;
	case MF_ELOOP: return -ELOOP;
	case MF_ENAMETOOLONG: return -ENAMETOOLONG;
	case MF_ENOTEMPTY: return -ENOTEMPTY;
	case MF_EDQUOT: return -EDQUOT;
	case MF_ESTALE: return -ESTALE;
	case MF_ENOSYS: return -ENOSYS;
	case MF_EOVERFLOW: return -EOVERFLOW;
	case MF_ENOATTR: return -ENODATA;
	default:
		if (-r < 35 && -r != MF_EDEADLK)
			return r; /* the historic UNIX numbers are shared */
		fprintf(stderr, "macfuse-shim: unexpected macOS errno %d\n", -r);
		return -EIO;
	}
}

static int32_t to_mac_open_flags(int flags, int fskit)
{
	int32_t m = flags & O_ACCMODE;
	if (flags & O_APPEND) m |= MF_O_APPEND;
	if (flags & O_TRUNC) m |= MF_O_TRUNC;
	if (flags & O_EXCL) m |= MF_O_EXCL;
	if (flags & O_CREAT) m |= MF_O_CREAT;
	if (flags & O_NOFOLLOW) m |= MF_O_NOFOLLOW;
	if (flags & O_NONBLOCK) m |= MF_O_NONBLOCK;
	if (flags & O_DIRECTORY) m |= MF_O_DIRECTORY;
	if (flags & O_NOCTTY) m |= MF_O_NOCTTY;
	if ((flags & O_SYNC) == O_SYNC) m |= MF_O_SYNC;
	if (flags & 040) m |= MF_O_EXEC; /* the kernel's __FMODE_EXEC: the open of execve(2) */
	if (fskit)
		m = (m & ~MF_O_ACCMODE) | MF_O_RDWR; /* FSKit: "files are always opened in read/write mode" */
	return m;
}

/* The path in NFD, as macFUSE's library hands over the names it has cached; NULL stays NULL.
 * A path that is not UTF-8 is passed as its bytes. The caller frees the result. */
static char *nfd(const char *path)
{
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *n;
	int32_t ulen = 0, dlen, outlen = 0;
	UChar *u, *d;
	char *out;

	if (!path)
		return NULL;
	n = unorm2_getNFDInstance(&err);
	u_strFromUTF8(NULL, 0, &ulen, path, -1, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return strdup(path);
	err = U_ZERO_ERROR;
	u = calloc(ulen + 1, sizeof(UChar));
	u_strFromUTF8(u, ulen + 1, NULL, path, -1, &err);
	if (U_FAILURE(err)) {
		free(u);
		return strdup(path);
	}
	d = calloc(4 * ulen + 4, sizeof(UChar));
	dlen = unorm2_normalize(n, u, ulen, d, 4 * ulen + 4, &err);
	u_strToUTF8(NULL, 0, &outlen, d, dlen, &err);
	err = U_ZERO_ERROR;
	out = calloc(outlen + 1, 1);
	u_strToUTF8(out, outlen + 1, NULL, d, dlen, &err);
	free(u);
	free(d);
	if (U_FAILURE(err)) {
		free(out);
		return strdup(path);
	}
	return out;
}

#define NFD(var, path) char *var __attribute__((cleanup(free_path))) = nfd(path)
static void free_path(char **p) { free(*p); }

static void fi_in(struct mf_file_info *m, const struct fuse_file_info *fi, int fskit)
{
	memset(m, 0, sizeof(*m));
	if (!fi)
		return;
	m->flags = to_mac_open_flags(fi->flags, fskit);
	m->writepage = fi->writepage;
	m->direct_io = fi->direct_io;
	m->keep_cache = fi->keep_cache;
	m->flush = fi->flush;
	m->nonseekable = fi->nonseekable;
	m->cache_readdir = fi->cache_readdir;
	m->noflush = fi->noflush;
	m->fh = fi->fh;
	m->lock_owner = fi->lock_owner;
}

static void fi_out(struct fuse_file_info *fi, const struct mf_file_info *m)
{
	if (!fi)
		return;
	fi->fh = m->fh;
	fi->direct_io = m->direct_io;
	fi->keep_cache = m->keep_cache;
	fi->nonseekable = m->nonseekable;
	fi->cache_readdir = m->cache_readdir;
	fi->noflush = m->noflush;
}

#define FI(name, fi) struct mf_file_info name##_m; fi_in(&name##_m, fi, s->fskit); \
	struct mf_file_info *name = (fi) ? &name##_m : NULL

static void attr_to_stat(struct stat *st, const struct mf_darwin_attr *a)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = a->ino;
	st->st_mode = a->mode;
	st->st_nlink = a->nlink;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = makedev(MF_MAJOR(a->rdev), MF_MINOR(a->rdev));
	st->st_size = a->size;
	st->st_blocks = a->blocks;
	st->st_blksize = a->blksize;
	st->st_atim.tv_sec = a->atimespec.tv_sec;
	st->st_atim.tv_nsec = a->atimespec.tv_nsec;
	st->st_mtim.tv_sec = a->mtimespec.tv_sec;
	st->st_mtim.tv_nsec = a->mtimespec.tv_nsec;
	st->st_ctim.tv_sec = a->ctimespec.tv_sec;
	st->st_ctim.tv_nsec = a->ctimespec.tv_nsec;
}

/* ---- the Linux operations, each calling the Darwin one ---- */

static int sh_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct shim *s = current();
	struct mf_darwin_attr a;
	NFD(p, path);
	FI(m, fi);
	memset(&a, 0, sizeof(a));
	if (!s->ops.getattr)
		return -ENOSYS;
	int r = to_linux_errno(s->ops.getattr(p, &a, m));
	if (r == 0)
		attr_to_stat(st, &a);
	return r;
}

static int sh_readlink(const char *path, char *buf, size_t size)
{
	struct shim *s = current();
	NFD(p, path);
	return s->ops.readlink ? to_linux_errno(s->ops.readlink(p, buf, size)) : -ENOSYS;
}

static int sh_mknod(const char *path, mode_t mode, dev_t dev)
{
	struct shim *s = current();
	NFD(p, path);
	/* A 32-bit dev_t holds an 8-bit major and a 24-bit minor. */
	if (major(dev) > 0xff || minor(dev) > 0xffffff)
		return -EINVAL;
	return s->ops.mknod ? to_linux_errno(s->ops.mknod(p, (mf_mode_t) mode, MF_MAKEDEV(major(dev), minor(dev))))
		: -ENOSYS;
}

static int sh_mkdir(const char *path, mode_t mode)
{
	struct shim *s = current();
	NFD(p, path);
	return s->ops.mkdir ? to_linux_errno(s->ops.mkdir(p, (mf_mode_t) mode)) : -ENOSYS;
}

static int sh_unlink(const char *path)
{
	struct shim *s = current();
	NFD(p, path);
	return s->ops.unlink ? to_linux_errno(s->ops.unlink(p)) : -ENOSYS;
}

static int sh_rmdir(const char *path)
{
	struct shim *s = current();
	NFD(p, path);
	return s->ops.rmdir ? to_linux_errno(s->ops.rmdir(p)) : -ENOSYS;
}

static int sh_symlink(const char *target, const char *path)
{
	struct shim *s = current();
	NFD(p, path);
	/* The target is the link's content, not a name: its bytes are kept. */
	return s->ops.symlink ? to_linux_errno(s->ops.symlink(target, p)) : -ENOSYS;
}

static int sh_rename(const char *from, const char *to, unsigned int flags)
{
	struct shim *s = current();
	unsigned int mf = 0;
	NFD(f, from);
	NFD(t, to);
	if (flags & RENAME_WHITEOUT)
		return -EINVAL; /* renamex_np has no whiteout */
	if (flags & RENAME_NOREPLACE) mf |= MF_RENAME_EXCL;
	if (flags & RENAME_EXCHANGE) mf |= MF_RENAME_SWAP;
	return s->ops.rename ? to_linux_errno(s->ops.rename(f, t, mf)) : -ENOSYS;
}

static int sh_link(const char *from, const char *to)
{
	struct shim *s = current();
	NFD(f, from);
	NFD(t, to);
	return s->ops.link ? to_linux_errno(s->ops.link(f, t)) : -ENOSYS;
}

/* macFUSE's fuse_lib_setattr$DARWIN: setattr when the table has it, else one call per change. */
static int do_setattr(struct shim *s, const char *p, struct mf_darwin_attr *a, uint32_t to_set,
		struct mf_file_info *m)
{
	int r = 0;
	if (s->ops.setattr) {
		r = s->ops.setattr(p, a, (int) to_set, m);
		if (r != -MF_ENOSYS)
			return to_linux_errno(r);
		r = 0;
	}
	if (!r && (to_set & MF_SET_ATTR_MODE))
		r = s->ops.chmod ? s->ops.chmod(p, a->mode, m) : -MF_ENOSYS;
	if (!r && (to_set & (MF_SET_ATTR_UID | MF_SET_ATTR_GID)))
		r = s->ops.chown ? s->ops.chown(p, (to_set & MF_SET_ATTR_UID) ? a->uid : (mf_uid_t) -1,
				(to_set & MF_SET_ATTR_GID) ? a->gid : (mf_gid_t) -1, m) : -MF_ENOSYS;
	if (!r && (to_set & MF_SET_ATTR_SIZE))
		r = s->ops.truncate ? s->ops.truncate(p, a->size, m) : -MF_ENOSYS;
	if (!r && (to_set & (MF_SET_ATTR_ATIME | MF_SET_ATTR_MTIME))) {
		struct mf_timespec tv[3] = {{0, MF_UTIME_OMIT}, {0, MF_UTIME_OMIT}, {0, MF_UTIME_OMIT}};
		if (to_set & MF_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = MF_UTIME_NOW;
		else if (to_set & MF_SET_ATTR_ATIME)
			tv[0] = a->atimespec;
		if (to_set & MF_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = MF_UTIME_NOW;
		else if (to_set & MF_SET_ATTR_MTIME)
			tv[1] = a->mtimespec;
		if (to_set & MF_SET_ATTR_BKUPTIME)
			tv[2] = a->bkuptimespec;
		r = s->ops.utimens ? s->ops.utimens(p, tv, m) : -MF_ENOSYS;
	}
	if (!r && (to_set & MF_SET_ATTR_FLAGS))
		r = s->ops.chflags ? s->ops.chflags(p, m, a->flags) : -MF_ENOSYS;
	return to_linux_errno(r);
}

static int sh_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct shim *s = current();
	struct mf_darwin_attr a = {0};
	NFD(p, path);
	FI(m, fi);
	a.mode = (mf_mode_t) mode;
	return do_setattr(s, p, &a, MF_SET_ATTR_MODE, m);
}

static int sh_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct shim *s = current();
	struct mf_darwin_attr a = {0};
	uint32_t to_set = 0;
	NFD(p, path);
	FI(m, fi);
	if (uid != (uid_t) -1) { a.uid = uid; to_set |= MF_SET_ATTR_UID; }
	if (gid != (gid_t) -1) { a.gid = gid; to_set |= MF_SET_ATTR_GID; }
	return to_set ? do_setattr(s, p, &a, to_set, m) : 0;
}

static int sh_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct shim *s = current();
	struct mf_darwin_attr a = {0};
	NFD(p, path);
	FI(m, fi);
	a.size = size;
	return do_setattr(s, p, &a, MF_SET_ATTR_SIZE, m);
}

static int sh_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct shim *s = current();
	struct mf_darwin_attr a = {0};
	uint32_t to_set = 0;
	NFD(p, path);
	FI(m, fi);
	if (tv[0].tv_nsec == UTIME_NOW) to_set |= MF_SET_ATTR_ATIME | MF_SET_ATTR_ATIME_NOW;
	else if (tv[0].tv_nsec != UTIME_OMIT) {
		to_set |= MF_SET_ATTR_ATIME;
		a.atimespec.tv_sec = tv[0].tv_sec;
		a.atimespec.tv_nsec = tv[0].tv_nsec;
	}
	if (tv[1].tv_nsec == UTIME_NOW) to_set |= MF_SET_ATTR_MTIME | MF_SET_ATTR_MTIME_NOW;
	else if (tv[1].tv_nsec != UTIME_OMIT) {
		to_set |= MF_SET_ATTR_MTIME;
		a.mtimespec.tv_sec = tv[1].tv_sec;
		a.mtimespec.tv_nsec = tv[1].tv_nsec;
	}
	return to_set ? do_setattr(s, p, &a, to_set, m) : 0;
}

static int sh_open(const char *path, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	int r = s->ops.open ? to_linux_errno(s->ops.open(p, m)) : 0;
	if (r == 0)
		fi_out(fi, m);
	return r;
}

static int sh_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	int r = s->ops.create ? to_linux_errno(s->ops.create(p, (mf_mode_t) mode, m)) : -ENOSYS;
	if (r == 0)
		fi_out(fi, m);
	return r;
}

static int sh_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	return s->ops.read ? to_linux_errno(s->ops.read(p, buf, size, off, m)) : -ENOSYS;
}

static int sh_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	return s->ops.write ? to_linux_errno(s->ops.write(p, buf, size, off, m)) : -ENOSYS;
}

static int sh_statfs(const char *path, struct statvfs *sv)
{
	struct shim *s = current();
	struct mf_statfs f;
	NFD(p, path);
	memset(&f, 0, sizeof(f));
	if (!s->ops.statfs)
		return -ENOSYS;
	int r = to_linux_errno(s->ops.statfs(p, &f));
	if (r == 0) {
		memset(sv, 0, sizeof(*sv));
		sv->f_bsize = f.f_bsize;
		sv->f_frsize = f.f_bsize;
		sv->f_blocks = f.f_blocks;
		sv->f_bfree = f.f_bfree;
		sv->f_bavail = f.f_bavail;
		sv->f_files = f.f_files;
		sv->f_ffree = f.f_ffree;
		sv->f_favail = f.f_ffree;
		sv->f_namemax = 255; /* struct statfs has none; macOS's limit for a name */
	}
	return r;
}

static int sh_release(const char *path, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	return s->ops.release ? to_linux_errno(s->ops.release(p, m)) : 0;
}

static int sh_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	return s->ops.fsync ? to_linux_errno(s->ops.fsync(p, datasync, m)) : -ENOSYS;
}

/* macOS has one xattr namespace: Linux's user.N is the Mac's N; no other namespace can be asked for. */
static const char *mac_xattr_name(const char *name)
{
	return strncmp(name, "user.", 5) == 0 ? name + 5 : NULL;
}

static int sh_setxattr(const char *path, const char *name, const char *value, size_t size, int flags)
{
	struct shim *s = current();
	const char *n = mac_xattr_name(name);
	int mf = 0;
	NFD(p, path);
	if (!n)
		return -EOPNOTSUPP;
	if (flags & 1 /* Linux XATTR_CREATE */) mf |= MF_XATTR_CREATE;
	if (flags & 2 /* Linux XATTR_REPLACE */) mf |= MF_XATTR_REPLACE;
	return s->ops.setxattr ? to_linux_errno(s->ops.setxattr(p, n, value, size, mf, 0)) : -ENOSYS;
}

static int sh_getxattr(const char *path, const char *name, char *value, size_t size)
{
	struct shim *s = current();
	const char *n = mac_xattr_name(name);
	NFD(p, path);
	if (!n)
		return -ENODATA;
	return s->ops.getxattr ? to_linux_errno(s->ops.getxattr(p, n, value, size, 0)) : -ENOSYS;
}

static int sh_listxattr(const char *path, char *list, size_t size)
{
	struct shim *s = current();
	NFD(p, path);
	if (!s->ops.listxattr)
		return -ENOSYS;
	int len = s->ops.listxattr(p, NULL, 0);
	if (len < 0)
		return to_linux_errno(len);
	char *mac = calloc(len + 1, 1);
	len = s->ops.listxattr(p, mac, len);
	if (len < 0) {
		free(mac);
		return to_linux_errno(len);
	}
	size_t need = 0;
	for (int i = 0; i < len; i += strlen(mac + i) + 1)
		need += 5 + strlen(mac + i) + 1;
	if (size == 0 || need > size) {
		free(mac);
		return size == 0 ? (int) need : -ERANGE;
	}
	char *out = list;
	for (int i = 0; i < len; i += strlen(mac + i) + 1)
		out += sprintf(out, "user.%s", mac + i) + 1;
	free(mac);
	return (int) need;
}

static int sh_removexattr(const char *path, const char *name)
{
	struct shim *s = current();
	const char *n = mac_xattr_name(name);
	NFD(p, path);
	if (!n)
		return -ENODATA;
	return s->ops.removexattr ? to_linux_errno(s->ops.removexattr(p, n)) : -ENOSYS;
}

static int sh_opendir(const char *path, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	int r = s->ops.opendir ? to_linux_errno(s->ops.opendir(p, m)) : 0;
	if (r == 0)
		fi_out(fi, m);
	return r;
}

struct fill {
	void *buf;
	fuse_fill_dir_t filler;
};

/* The fuse_darwin_fill_dir_t handed to the Darwin readdir. */
static int sh_fill(void *buf, const char *name, const struct mf_darwin_attr *attr, mf_off_t off, int flags)
{
	struct fill *f = buf;
	struct stat st;
	if (attr)
		attr_to_stat(&st, attr);
	return f->filler(f->buf, name, attr ? &st : NULL, off, (enum fuse_fill_dir_flags) flags);
}

static int sh_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
		enum fuse_readdir_flags flags)
{
	struct shim *s = current();
	struct fill f = {buf, filler};
	NFD(p, path);
	FI(m, fi);
	return s->ops.readdir ? to_linux_errno(s->ops.readdir(p, &f, sh_fill, off, m, (int) flags)) : -ENOSYS;
}

static int sh_releasedir(const char *path, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	return s->ops.releasedir ? to_linux_errno(s->ops.releasedir(p, m)) : 0;
}

static int sh_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	return s->ops.fsyncdir ? to_linux_errno(s->ops.fsyncdir(p, datasync, m)) : -ENOSYS;
}

static void *sh_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct shim *s = real_fuse_get_context()->private_data;
	struct mf_conn_info mc;
	struct mf_config mcfg;
	memset(&mc, 0, sizeof(mc));
	memset(&mcfg, 0, sizeof(mcfg));
	mc.proto_major = conn->proto_major;
	mc.proto_minor = conn->proto_minor;
	mc.max_write = conn->max_write;
	mc.max_read = conn->max_read;
	mc.max_readahead = conn->max_readahead;
	mc.capable = conn->capable;
	mc.want = conn->want;
	mc.capable_ext = conn->capable;
	mc.want_ext = conn->want;
	mcfg.entry_timeout = cfg->entry_timeout;
	mcfg.negative_timeout = cfg->negative_timeout;
	mcfg.attr_timeout = cfg->attr_timeout;
	mcfg.intr = cfg->intr;
	mcfg.intr_signal = cfg->intr_signal;
	mcfg.remember = cfg->remember;
	mcfg.hard_remove = cfg->hard_remove;
	mcfg.use_ino = cfg->use_ino;
	mcfg.readdir_ino = cfg->readdir_ino;
	mcfg.direct_io = cfg->direct_io;
	mcfg.kernel_cache = cfg->kernel_cache;
	mcfg.auto_cache = cfg->auto_cache;
	mcfg.nullpath_ok = cfg->nullpath_ok;
	if (s->ops.init)
		s->user_data = s->ops.init(&mc, &mcfg);
	conn->want = mc.want & conn->capable;
	cfg->entry_timeout = mcfg.entry_timeout;
	cfg->negative_timeout = mcfg.negative_timeout;
	cfg->attr_timeout = mcfg.attr_timeout;
	cfg->hard_remove = mcfg.hard_remove;
	cfg->use_ino = mcfg.use_ino;
	cfg->readdir_ino = mcfg.readdir_ino;
	cfg->direct_io = mcfg.direct_io;
	cfg->kernel_cache = mcfg.kernel_cache;
	cfg->auto_cache = mcfg.auto_cache;
	cfg->nullpath_ok = mcfg.nullpath_ok;
	return s;
}

static void sh_destroy(void *data)
{
	struct shim *s = data;
	if (s->ops.destroy)
		s->ops.destroy(s->user_data);
}

static int sh_access(const char *path, int mask)
{
	struct shim *s = current();
	NFD(p, path);
	return s->ops.access ? to_linux_errno(s->ops.access(p, mask)) : -ENOSYS;
}

/* chattr/lsattr: what macOS says with chflags(2) and st_flags, in ext4's FS_*_FL terms. */
static int fs_to_bsd(int fs, uint32_t *bsd)
{
	if (fs & ~(FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL | FS_EXTENT_FL))
		return -EOPNOTSUPP;
	*bsd = ((fs & FS_IMMUTABLE_FL) ? MF_SF_IMMUTABLE : 0) | ((fs & FS_APPEND_FL) ? MF_SF_APPEND : 0)
		| ((fs & FS_NODUMP_FL) ? MF_UF_NODUMP : 0);
	return 0;
}

static int bsd_to_fs(uint32_t bsd)
{
	return ((bsd & (MF_SF_IMMUTABLE | MF_UF_IMMUTABLE)) ? FS_IMMUTABLE_FL : 0)
		| ((bsd & (MF_SF_APPEND | MF_UF_APPEND)) ? FS_APPEND_FL : 0) | ((bsd & MF_UF_NODUMP) ? FS_NODUMP_FL : 0);
}

static int sh_ioctl(const char *path, int cmd, void *arg, struct fuse_file_info *fi, unsigned int flags,
		void *data)
{
	struct shim *s = current();
	struct mf_darwin_attr a;
	NFD(p, path);
	FI(m, fi);
	(void) arg;
	(void) flags;
	memset(&a, 0, sizeof(a));
	unsigned int c = (unsigned int) cmd;
	if (c == FS_IOC_GETFLAGS || c == FS_IOC32_GETFLAGS || c == FS_IOC_FSGETXATTR) {
		int r = to_linux_errno(s->ops.getattr(p, &a, m));
		if (r)
			return r;
		int fs = bsd_to_fs(a.flags);
		if (c == FS_IOC_FSGETXATTR) {
			struct fsxattr *x = data;
			memset(x, 0, sizeof(*x));
			x->fsx_xflags = ((fs & FS_IMMUTABLE_FL) ? FS_XFLAG_IMMUTABLE : 0)
				| ((fs & FS_APPEND_FL) ? FS_XFLAG_APPEND : 0) | ((fs & FS_NODUMP_FL) ? FS_XFLAG_NODUMP : 0);
		} else {
			*(int *) data = fs;
		}
		return 0;
	}
	if (c == FS_IOC_SETFLAGS || c == FS_IOC32_SETFLAGS) {
		uint32_t bsd;
		int r = fs_to_bsd(*(int *) data, &bsd);
		if (r)
			return r;
		a.flags = bsd;
		return do_setattr(s, p, &a, MF_SET_ATTR_FLAGS, m);
	}
	return -ENOTTY;
}

static off_t sh_lseek(const char *path, off_t off, int whence, struct fuse_file_info *fi)
{
	struct shim *s = current();
	NFD(p, path);
	FI(m, fi);
	int w = whence == SEEK_DATA ? MF_SEEK_DATA : whence == SEEK_HOLE ? MF_SEEK_HOLE : whence;
	if (!s->ops.lseek)
		return -ENOSYS;
	off_t r = s->ops.lseek(p, off, w, m);
	return r < 0 ? to_linux_errno((int) r) : r;
}

static const struct fuse_operations linux_ops = {
	.getattr = sh_getattr,
	.readlink = sh_readlink,
	.mknod = sh_mknod,
	.mkdir = sh_mkdir,
	.unlink = sh_unlink,
	.rmdir = sh_rmdir,
	.symlink = sh_symlink,
	.rename = sh_rename,
	.link = sh_link,
	.chmod = sh_chmod,
	.chown = sh_chown,
	.truncate = sh_truncate,
	.open = sh_open,
	.read = sh_read,
	.write = sh_write,
	.statfs = sh_statfs,
	.release = sh_release,
	.fsync = sh_fsync,
	.setxattr = sh_setxattr,
	.getxattr = sh_getxattr,
	.listxattr = sh_listxattr,
	.removexattr = sh_removexattr,
	.opendir = sh_opendir,
	.readdir = sh_readdir,
	.releasedir = sh_releasedir,
	.fsyncdir = sh_fsyncdir,
	.init = sh_init,
	.destroy = sh_destroy,
	.access = sh_access,
	.create = sh_create,
	.utimens = sh_utimens,
	.ioctl = sh_ioctl,
	.lseek = sh_lseek,
};

/* ---- what the macFUSE-named entry points (macfuse_shim.c) call ---- */

static const char *const mac_only[] = {"volname=", "backend=", "local", "noappledouble", "noapplexattr",
	"appledouble", "applexattr", "iosize=", "daemon_timeout=", "noubc", "novncache", "defer_permissions",
	"jail_symlinks", "nobrowse", NULL};

/* Options macFUSE's mount tool takes that Linux's libfuse does not know: taken out here. */
static int is_mac_only(const char *opt)
{
	for (int i = 0; mac_only[i]; i++) {
		size_t n = strlen(mac_only[i]);
		if (mac_only[i][n - 1] == '=' ? strncmp(opt, mac_only[i], n) == 0 : strcmp(opt, mac_only[i]) == 0)
			return 1;
	}
	return 0;
}

struct shim *shim_new(struct mf_args *args, const struct mf_operations *op, size_t op_size, void *user_data)
{
	load_real();
	struct shim *s = calloc(1, sizeof(*s));
	memcpy(&s->ops, op, op_size < sizeof(s->ops) ? op_size : sizeof(s->ops));
	if (op_size > sizeof(s->ops))
		fprintf(stderr, "macfuse-shim: warning: library too old, some operations may not work\n");
	s->user_data = user_data;

	/* Filter the -o lists: note backend= and volname=, pass the rest to Linux's libfuse. */
	struct fuse_args linux_args = FUSE_ARGS_INIT(0, NULL);
	for (int i = 0; i < args->argc; i++) {
		const char *a = args->argv[i];
		if (strcmp(a, "-o") == 0 && i + 1 < args->argc) {
			char *list = strdup(args->argv[++i]);
			char *kept = calloc(strlen(list) + 1, 1);
			char *save = NULL;
			for (char *o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
				if (strcmp(o, "backend=fskit") == 0)
					s->fskit = 1;
				if (strncmp(o, "volname=", 8) == 0 && o[8])
					s->has_volname = 1;
				if (is_mac_only(o))
					continue;
				if (*kept)
					strcat(kept, ",");
				strcat(kept, o);
			}
			if (*kept) {
				real_fuse_opt_add_arg(&linux_args, "-o");
				real_fuse_opt_add_arg(&linux_args, kept);
			}
			free(list);
			free(kept);
		} else {
			real_fuse_opt_add_arg(&linux_args, a);
		}
	}
	s->real = real_fuse_new_31(&linux_args, &linux_ops, sizeof(linux_ops), s);
	real_fuse_opt_free_args(&linux_args);
	if (!s->real) {
		free(s);
		return NULL;
	}
	return s;
}

int shim_mount(struct shim *s, const char *mountpoint)
{
	if (s->fskit) {
		if (!s->has_volname) {
			/* macFUSE's FSKit mount crashes on strdup(NULL) without a volume name. */
			fprintf(stderr, "macfuse-shim: FSKit needs -o volname=\n");
			return -1;
		}
		char *copy = strdup(mountpoint);
		char *slash = strrchr(copy, '/');
		if (slash)
			*slash = 0;
		const char *parent = strrchr(copy, '/');
		int in_volumes = parent && strcmp(parent + 1, "Volumes") == 0;
		free(copy);
		if (!in_volumes) {
			fprintf(stderr, "macfuse-shim: FSKit mounts only in /Volumes, not on %s\n", mountpoint);
			return -1;
		}
	}
	s->mount_thread = pthread_self();
	s->mounted = 1;
	return real_fuse_mount(s->real, mountpoint);
}

void shim_unmount(struct shim *s) { real_fuse_unmount(s->real); }
void shim_exit(struct shim *s) { real_fuse_exit(s->real); }

void shim_destroy(struct shim *s)
{
	real_fuse_destroy(s->real);
	free(s);
}

int shim_loop(struct shim *s, void *config)
{
	if (s->fskit && (!s->mounted || !pthread_equal(s->mount_thread, pthread_self()))) {
		fprintf(stderr, "macfuse-shim: FSKit needs fuse_mount and the loop on one thread\n");
		return -1;
	}
	return real_fuse_loop_mt_312(s->real, config);
}

void *shim_loop_cfg_create(void)
{
	load_real();
	return real_loop_cfg_create();
}

void shim_loop_cfg_destroy(void *c) { real_loop_cfg_destroy(c); }
void shim_loop_cfg_set_max_threads(void *c, unsigned int v) { real_loop_cfg_set_max_threads(c, v); }
void shim_loop_cfg_set_clone_fd(void *c, unsigned int v) { real_loop_cfg_set_clone_fd(c, v); }

void shim_context(struct mf_context *out)
{
	struct fuse_context *c = real_fuse_get_context();
	struct shim *s = c ? c->private_data : NULL;
	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	out->fuse = s;
	out->private_data = s ? s->user_data : NULL;
	if (s && s->fskit) {
		/* FSKit provides no caller: a server that reads it anyway gets nobody, not root. */
		out->uid = (mf_uid_t) -1;
		out->gid = (mf_gid_t) -1;
		out->pid = -1;
		return;
	}
	out->uid = c->uid;
	out->gid = c->gid;
	out->pid = c->pid;
	out->umask = (mf_mode_t) c->umask;
}

void shim_opt_free_args(struct mf_args *args)
{
	load_real();
	real_fuse_opt_free_args((struct fuse_args *) args);
}
