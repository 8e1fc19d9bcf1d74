/*
 * The Linux half of a test-only stand-in for WinFsp's DLL: it takes WinFsp's fuse3_operations
 * table (40 slots) and serves it on Linux by translating each request of the real Linux libfuse3
 * high-level API into the WinFsp call and back, doing what WinFsp's FUSE layer does around those
 * calls (src/dll/fuse3/fuse2to3.c, src/dll/fuse/fuse.c, fuse_loop.c, fuse_intf.c):
 *
 *  - struct fuse_stat (Win64, 128 bytes, birth time; the 160-byte fuse_stat_ex buffer is what is
 *    handed over) and struct fuse_statvfs instead of struct stat and statvfs; MSVC errno numbers;
 *  - fuse_file_info.flags as WinFsp sets them: the access mode alone on open (an execute-only
 *    open is a read), _O_CREAT | _O_EXCL | _O_RDWR on create;
 *  - rename with flags 0 (Windows has only ReplaceIfExists), never link (its FUSE layer has none),
 *    never access, fallocate, lock or flock, no lseek or copy_file_range slot at all;
 *  - utimens with two explicit times (Windows has no UTIME_NOW or UTIME_OMIT: WinFsp reads the
 *    time it is not given with getattr), chmod, chown and utimens without a file handle;
 *  - the options WinFsp parses (uid=, gid= with -1 for the mounting user, shown instead of the
 *    file's owner; volname=, FileSystemName=, ExactFileSystemName=, FileInfoTimeout=, ...); the
 *    rest is ignored, as WinFsp ignores it;
 *  - mount points: X: (any case), \\.\X: and \\?\X: are directory X under the configured drives
 *    directory (in use when mounted on); * is the first free letter from Z: down to D:; anything
 *    else is a directory that must not exist yet, made for the mount and removed after it;
 *  - at start, init with WinFsp's capabilities, then statfs("/"), getattr("/") and readlink("/")
 *    as caller -1, which must answer (readlink with EINVAL or ENOSYS) or the volume does not start;
 *    the read-only capability makes every change EROFS;
 *  - fuse3_exit takes the drive away (the mount ends) and the loop returns;
 *  - names as winfsp_shim_names.c says.
 *
 * The layouts come from winfsp_abi.h. The real libfuse3 is reached through dlopen/dlsym; its
 * headers are used for the Linux side's structures only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include "winfsp_shim_state.h"

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
static struct fuse_context *(*real_fuse_get_context)(void);
static int (*real_fuse_opt_add_arg)(struct fuse_args *, const char *);
static void (*real_fuse_opt_free_args)(struct fuse_args *);

static void *need(const char *name)
{
	void *p = dlsym(real_lib, name);
	if (!p) {
		fprintf(stderr, "winfsp-shim: the Linux libfuse3 has no %s\n", name);
		abort();
	}
	return p;
}

void shim_load_real(void)
{
	if (real_lib)
		return;
	/* Its own symbols first: fuse_opt_free_args is exported by the shim too, for WinFsp's callers. */
	real_lib = dlopen("libfuse3.so.3", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	if (!real_lib) {
		fprintf(stderr, "winfsp-shim: %s\n", dlerror());
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
	real_fuse_get_context = need("fuse_get_context");
	real_fuse_opt_add_arg = need("fuse_opt_add_arg");
	real_fuse_opt_free_args = need("fuse_opt_free_args");
}

int shim_real_mount(struct fuse *f, const char *dir) { return real_fuse_mount(f, dir); }
void shim_real_unmount(struct fuse *f) { real_fuse_unmount(f); }
void shim_real_destroy(struct fuse *f) { real_fuse_destroy(f); }
void shim_real_exit(struct fuse *f) { real_fuse_exit(f); }
struct fuse_context *shim_real_context(void) { return real_fuse_get_context(); }
int shim_real_opt_add_arg(struct fuse_args *args, const char *arg) { return real_fuse_opt_add_arg(args, arg); }
void shim_real_opt_free_args(struct fuse_args *args) { real_fuse_opt_free_args(args); }

int shim_real_loop(struct fuse *f)
{
	struct fuse_loop_config *config = real_loop_cfg_create();
	real_loop_cfg_set_max_threads(config, 10);
	int r = real_fuse_loop_mt_312(f, config);
	real_loop_cfg_destroy(config);
	return r;
}

static struct shim *current(void)
{
	return (struct shim *) real_fuse_get_context()->private_data;
}

/* ---- errno, flags, attributes ---- */

/* A negative MSVC errno as the negative Linux one. */
static int to_linux_errno(int r)
{
	if (r >= 0)
		return r;
	switch (-r) {
	case WF_EDEADLK: return -EDEADLK;
	case WF_ENAMETOOLONG: return -ENAMETOOLONG;
	case WF_ENOLCK: return -ENOLCK;
	case WF_ENOSYS: return -ENOSYS;
	case WF_ENOTEMPTY: return -ENOTEMPTY;
	case WF_EILSEQ: return -EILSEQ;
	case WF_ELOOP: return -ELOOP;
	case WF_ENODATA: return -ENODATA;
	case WF_ENOTSUP: return -EOPNOTSUPP;
	case WF_EOPNOTSUPP: return -EOPNOTSUPP;
	case WF_EOVERFLOW: return -EOVERFLOW;
	case WF_ETXTBSY: return -ETXTBSY;
	default:
		if (-r <= 34 && -r != 26)
			return r; /* the historic UNIX numbers are shared; MSVC has no 26 */
		fprintf(stderr, "winfsp-shim: unexpected MSVC errno %d\n", -r);
		return -EIO;
	}
}

/* WinFsp's Open: the access mode from the granted access, nothing else (execute alone reads). */
static int32_t open_flags(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_WRONLY: return WF_O_WRONLY;
	case O_RDWR: return WF_O_RDWR;
	default: return WF_O_RDONLY;
	}
}

static void fi_in(struct wf_file_info *w, const struct fuse_file_info *fi)
{
	memset(w, 0, sizeof(*w));
	if (!fi)
		return;
	w->flags = open_flags(fi->flags);
	w->fh = fi->fh;
	w->lock_owner = fi->lock_owner;
}

static void fi_out(struct fuse_file_info *fi, const struct wf_file_info *w)
{
	if (!fi)
		return;
	fi->fh = w->fh;
	fi->direct_io = w->direct_io;
	fi->keep_cache = w->keep_cache;
	fi->nonseekable = w->nonseekable;
}

#define FI(name, fi) struct wf_file_info name##_w; fi_in(&name##_w, fi); \
	struct wf_file_info *name = (fi) ? &name##_w : NULL

static void free_path(char **p) { free(*p); }

/* The path as WinFsp hands it over (a path that is no Windows name fails with EINVAL). */
#define PATH(var, path) char *var __attribute__((cleanup(free_path))) = NULL; \
	do { int path_r_ = shim_posix_path(path, &var); if (path_r_) return path_r_; } while (0)

/* What stat shows: WinFsp puts the mount's uid= and gid= in place of the file's owner. */
static void to_stat(struct shim *s, struct stat *st, const struct wf_stat *w)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = w->st_ino;
	st->st_mode = w->st_mode;
	st->st_nlink = w->st_nlink;
	st->st_uid = s->set_uid ? s->uid : w->st_uid;
	st->st_gid = s->set_gid ? s->gid : w->st_gid;
	/* Cygwin's dev_t, which WinFsp's types follow: major in the high 16 bits. */
	st->st_rdev = makedev(w->st_rdev >> 16, w->st_rdev & 0xFFFF);
	st->st_size = w->st_size;
	st->st_blocks = w->st_blocks;
	st->st_blksize = w->st_blksize;
	st->st_atim.tv_sec = w->st_atim.tv_sec;
	st->st_atim.tv_nsec = w->st_atim.tv_nsec;
	st->st_mtim.tv_sec = w->st_mtim.tv_sec;
	st->st_mtim.tv_nsec = w->st_mtim.tv_nsec;
	st->st_ctim.tv_sec = w->st_ctim.tv_sec;
	st->st_ctim.tv_nsec = w->st_ctim.tv_nsec;
}

/* A read-only volume (FSP_FUSE_CAP_READ_ONLY) refuses changes before the file system sees them. */
#define CHANGES(s) do { if ((s)->read_only) return -EROFS; } while (0)

/* ---- the Linux operations, each calling the WinFsp one ---- */

static int sh_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct shim *s = current();
	struct wf_stat_ex w;
	PATH(p, path);
	FI(m, fi);
	memset(&w, 0, sizeof(w));
	int r = to_linux_errno(s->ops.getattr(p, &w.st, m));
	if (r == 0)
		to_stat(s, st, &w.st);
	return r;
}

/* WinFsp's symlinks: a target it gives Windows, with / kept for Linux; absolute ones only with rellinks. */
static int sh_readlink(const char *path, char *buf, size_t size)
{
	struct shim *s = current();
	char target[8192];
	PATH(p, path);
	if (!s->ops.readlink)
		return -ENOSYS;
	int r = to_linux_errno(s->ops.readlink(p, target, sizeof(target)));
	if (r)
		return r;
	if (target[0] == '/')
		return -EACCES; /* STATUS_ACCESS_DENIED: WinFsp follows no absolute symlink without rellinks */
	char *shown = shim_windows_text(target, 0);
	snprintf(buf, size, "%s", shown);
	free(shown);
	return 0;
}

static int sh_mknod(const char *path, mode_t mode, dev_t dev)
{
	struct shim *s = current();
	PATH(p, path);
	CHANGES(s);
	if (!S_ISREG(mode))
		return -EPERM; /* Windows creates files and directories only */
	return to_linux_errno(s->ops.mknod(p, (wf_mode_t) mode, 0));
}

static int sh_mkdir(const char *path, mode_t mode)
{
	struct shim *s = current();
	PATH(p, path);
	CHANGES(s);
	return to_linux_errno(s->ops.mkdir(p, (wf_mode_t) mode));
}

static int sh_unlink(const char *path)
{
	struct shim *s = current();
	PATH(p, path);
	CHANGES(s);
	return to_linux_errno(s->ops.unlink(p));
}

static int sh_rmdir(const char *path)
{
	struct shim *s = current();
	PATH(p, path);
	CHANGES(s);
	return to_linux_errno(s->ops.rmdir(p));
}

static int sh_symlink(const char *target, const char *path)
{
	struct shim *s = current();
	char *t = NULL;
	PATH(p, path);
	CHANGES(s);
	/* The target is a Windows path too: WinFsp maps it as it maps names. */
	int r = shim_posix_path(target, &t);
	if (r)
		return r;
	r = to_linux_errno(s->ops.symlink(t, p));
	free(t);
	return r;
}

static int sh_rename(const char *from, const char *to, unsigned int flags)
{
	struct shim *s = current();
	PATH(f, from);
	PATH(t, to);
	CHANGES(s);
	if (flags)
		return -EINVAL; /* Windows' rename has ReplaceIfExists only; WinFsp passes flags 0 */
	return to_linux_errno(s->ops.rename(f, t, 0));
}

/* WinFsp's FUSE layer has no hard links: Windows' CreateHardLink fails on its volumes. */
static int sh_link(const char *from, const char *to)
{
	(void) from;
	(void) to;
	return -EPERM;
}

static int sh_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	(void) fi;
	CHANGES(s);
	return to_linux_errno(s->ops.chmod(p, (wf_mode_t) mode, NULL));
}

static int sh_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	(void) fi;
	CHANGES(s);
	return to_linux_errno(s->ops.chown(p, uid, gid, NULL));
}

static int sh_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	CHANGES(s);
	return to_linux_errno(s->ops.truncate(p, size, m));
}

static int sh_open(const char *path, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	if (s->read_only && (fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	int r = to_linux_errno(s->ops.open(p, m));
	if (r == 0)
		fi_out(fi, m);
	return r;
}

static int sh_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	CHANGES(s);
	m->flags = WF_O_CREAT | WF_O_EXCL | WF_O_RDWR;
	int r = to_linux_errno(s->ops.create(p, (wf_mode_t) mode, m));
	if (r == 0)
		fi_out(fi, m);
	return r;
}

static int sh_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	return to_linux_errno(s->ops.read(p, buf, size, off, m));
}

static int sh_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	CHANGES(s);
	return to_linux_errno(s->ops.write(p, buf, size, off, m));
}

static int sh_statfs(const char *path, struct statvfs *sv)
{
	struct shim *s = current();
	struct wf_statvfs w;
	PATH(p, path);
	memset(&w, 0, sizeof(w));
	int r = to_linux_errno(s->ops.statfs(p, &w));
	if (r == 0) {
		memset(sv, 0, sizeof(*sv));
		sv->f_bsize = w.f_bsize;
		sv->f_frsize = w.f_frsize;
		sv->f_blocks = w.f_blocks;
		sv->f_bfree = w.f_bfree;
		sv->f_bavail = w.f_bavail;
		sv->f_files = w.f_files;
		sv->f_ffree = w.f_ffree;
		sv->f_favail = w.f_favail;
		sv->f_namemax = w.f_namemax;
	}
	return r;
}

static int sh_flush(const char *path, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	return s->ops.flush ? to_linux_errno(s->ops.flush(p, m)) : 0;
}

static int sh_release(const char *path, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	return s->ops.release ? to_linux_errno(s->ops.release(p, m)) : 0;
}

/* FlushFileBuffers: WinFsp's fsync always says datasync 0. */
static int sh_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	(void) datasync;
	return s->ops.fsync ? to_linux_errno(s->ops.fsync(p, 0, m)) : 0;
}

/*
 * Extended attributes are Windows EAs to WinFsp: one namespace, set without create/replace flags
 * (WinFsp's SetEa passes 0). The Linux side's user.N stands for the EA N; no other namespace can
 * be named from Windows.
 */
static const char *ea_name(const char *name)
{
	return strncmp(name, "user.", 5) == 0 && name[5] ? name + 5 : NULL;
}

static int sh_setxattr(const char *path, const char *name, const char *value, size_t size, int flags)
{
	struct shim *s = current();
	const char *n = ea_name(name);
	PATH(p, path);
	(void) flags;
	CHANGES(s);
	if (!n)
		return -EOPNOTSUPP;
	return to_linux_errno(s->ops.setxattr(p, n, value, size, 0));
}

static int sh_getxattr(const char *path, const char *name, char *value, size_t size)
{
	struct shim *s = current();
	const char *n = ea_name(name);
	PATH(p, path);
	if (!n)
		return -ENODATA;
	return to_linux_errno(s->ops.getxattr(p, n, value, size));
}

static int sh_listxattr(const char *path, char *list, size_t size)
{
	struct shim *s = current();
	PATH(p, path);
	int len = s->ops.listxattr(p, NULL, 0);
	if (len < 0)
		return to_linux_errno(len);
	char *eas = calloc(len + 1, 1);
	len = s->ops.listxattr(p, eas, len);
	if (len < 0) {
		free(eas);
		return to_linux_errno(len);
	}
	size_t need = 0;
	for (int i = 0; i < len; i += strlen(eas + i) + 1)
		need += 5 + strlen(eas + i) + 1;
	if (size == 0 || need > size) {
		free(eas);
		return size == 0 ? (int) need : -ERANGE;
	}
	char *out = list;
	for (int i = 0; i < len; i += strlen(eas + i) + 1)
		out += sprintf(out, "user.%s", eas + i) + 1;
	free(eas);
	return (int) need;
}

static int sh_removexattr(const char *path, const char *name)
{
	struct shim *s = current();
	const char *n = ea_name(name);
	PATH(p, path);
	CHANGES(s);
	if (!n)
		return -ENODATA;
	return to_linux_errno(s->ops.removexattr(p, n));
}

static int sh_opendir(const char *path, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	int r = s->ops.opendir ? to_linux_errno(s->ops.opendir(p, m)) : 0;
	if (r == 0)
		fi_out(fi, m);
	return r;
}

struct fill {
	struct shim *s;
	void *buf;
	fuse_fill_dir_t filler;
};

/* WinFsp's AddDirInfo: the whole directory in one readdir; each name shown as Windows shows it. */
static int sh_fill(void *buf, const char *name, const struct wf_stat *stbuf, wf_off_t off, int flags)
{
	struct fill *f = buf;
	struct stat st;
	(void) off;
	char *shown = shim_windows_text(name, 255);
	if (!shown)
		return 0; /* "too long": left out of the listing */
	if (stbuf)
		to_stat(f->s, &st, stbuf);
	f->filler(f->buf, shown, (stbuf && (flags & WF_FILL_DIR_PLUS)) ? &st : NULL, 0,
			(flags & WF_FILL_DIR_PLUS) ? FUSE_FILL_DIR_PLUS : 0);
	free(shown);
	return 0;
}

static int sh_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
		enum fuse_readdir_flags flags)
{
	struct shim *s = current();
	struct fill f = {s, buf, filler};
	PATH(p, path);
	FI(m, fi);
	(void) off;
	(void) flags;
	int plus = (s->want & WF_CAP_READDIRPLUS) ? WF_READDIR_PLUS : 0;
	return to_linux_errno(s->ops.readdir(p, &f, sh_fill, 0, m, plus));
}

static int sh_releasedir(const char *path, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	return s->ops.releasedir ? to_linux_errno(s->ops.releasedir(p, m)) : 0;
}

static int sh_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct shim *s = current();
	PATH(p, path);
	FI(m, fi);
	(void) datasync;
	return s->ops.fsyncdir ? to_linux_errno(s->ops.fsyncdir(p, 0, m)) : 0;
}

/*
 * WinFsp's SetBasicInfo: both times explicit, the one not given read with getattr first
 * (Windows has no UTIME_NOW or UTIME_OMIT).
 */
static int sh_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct shim *s = current();
	struct wf_timespec w[2];
	struct wf_stat_ex now_st;
	struct timespec now;
	PATH(p, path);
	(void) fi;
	CHANGES(s);
	clock_gettime(CLOCK_REALTIME, &now);
	if (tv[0].tv_nsec == UTIME_OMIT || tv[1].tv_nsec == UTIME_OMIT) {
		memset(&now_st, 0, sizeof(now_st));
		int r = to_linux_errno(s->ops.getattr(p, &now_st.st, NULL));
		if (r)
			return r;
	}
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_nsec == UTIME_NOW) {
			w[i].tv_sec = now.tv_sec;
			w[i].tv_nsec = now.tv_nsec;
		} else if (tv[i].tv_nsec == UTIME_OMIT) {
			w[i] = i == 0 ? now_st.st.st_atim : now_st.st.st_mtim;
		} else {
			w[i].tv_sec = tv[i].tv_sec;
			w[i].tv_nsec = tv[i].tv_nsec;
		}
	}
	return to_linux_errno(s->ops.utimens(p, w, NULL));
}

SHIM_INTERNAL void *shim_init(struct fuse_conn_info *conn, struct fuse_config *cfg);
SHIM_INTERNAL void shim_destroy_callback(void *data);

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
	.flush = sh_flush,
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
	.init = shim_init,
	.destroy = shim_destroy_callback,
	.create = sh_create,
	.utimens = sh_utimens,
};

struct fuse *shim_real_new(struct fuse_args *args, void *private_data)
{
	return real_fuse_new_31(args, &linux_ops, sizeof(linux_ops), private_data);
}
