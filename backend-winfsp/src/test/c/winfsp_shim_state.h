/* The shim's state and what its Linux-side files share (winfsp_shim_linux.c, _mount.c, _names.c). */
#ifndef EXT4J_WINFSP_SHIM_STATE_H
#define EXT4J_WINFSP_SHIM_STATE_H

#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <limits.h>
#include "winfsp_abi.h"
#include "winfsp_shim.h"

/* One instance per fuse3_new, WinFsp's struct fuse3 with what its struct fuse would hold. */
struct shim {
	struct fuse *real;
	struct wf_operations ops;
	void *user_data;
	/* The args as fuse3_new copied them (WinFsp parses them again in fuse3_mount). */
	int argc;
	char **argv;
	/* What the options said. */
	int set_uid, set_gid;
	uint32_t uid, gid;
	double file_info_timeout;
	char volname[256];
	char fs_name[256];
	/* What init asked for. */
	uint32_t want;
	int read_only;
	int failed_to_start;
	/* Where it is mounted on Linux, and whether that directory was made for the mount. */
	char linux_dir[PATH_MAX];
	char drive;
	int made_dir;
};

extern SHIM_INTERNAL char shim_drives[2048];
extern SHIM_INTERNAL uint32_t shim_user_uid;
extern SHIM_INTERNAL uint32_t shim_user_gid;

/* The Linux libfuse3 (winfsp_shim_linux.c). */
SHIM_INTERNAL void shim_load_real(void);
SHIM_INTERNAL struct fuse *shim_real_new(struct fuse_args *args, void *private_data);
SHIM_INTERNAL int shim_real_mount(struct fuse *f, const char *dir);
SHIM_INTERNAL void shim_real_unmount(struct fuse *f);
SHIM_INTERNAL void shim_real_destroy(struct fuse *f);
SHIM_INTERNAL void shim_real_exit(struct fuse *f);
SHIM_INTERNAL int shim_real_loop(struct fuse *f);
SHIM_INTERNAL struct fuse_context *shim_real_context(void);
SHIM_INTERNAL int shim_real_opt_add_arg(struct fuse_args *args, const char *arg);
SHIM_INTERNAL void shim_real_opt_free_args(struct fuse_args *args);

/* Names (winfsp_shim_names.c). */
SHIM_INTERNAL int shim_posix_path(const char *linux_path, char **out);
SHIM_INTERNAL char *shim_windows_text(const char *posix, int max_units);

#endif
