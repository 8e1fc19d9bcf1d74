/*
 * A test-only stand-in for macFUSE 5's libfuse3 on Linux: the entry points a macOS program calls,
 * under macFUSE's names and with macFUSE's types (macfuse_abi.h), served by the Linux half
 * (macfuse_shim_linux.c), which translates every request of the real Linux libfuse3 into the
 * Darwin call and back. See there for what is translated and which FSKit rules are applied.
 */
#include <stdio.h>
#include "macfuse_abi.h"
#include "macfuse_shim.h"

/* macFUSE 5 is libfuse 3.17 with the Darwin extensions. */
int fuse_version(void)
{
	return 317;
}

/* fuse.h: the only fuse_new macFUSE exports; the version must enable the Darwin extensions. */
void *_fuse_new_31(struct mf_args *args, const struct mf_operations *op, size_t op_size,
		struct mf_libfuse_version *version, void *user_data)
{
	if (!version || version->major != 3 || !version->darwin_extensions_enabled) {
		fprintf(stderr, "macfuse-shim: struct libfuse_version must say 3.x with darwin_extensions_enabled\n");
		return NULL;
	}
	return shim_new(args, op, op_size, user_data);
}

int fuse_mount(void *f, const char *mountpoint) { return shim_mount(f, mountpoint); }
void fuse_unmount(void *f) { shim_unmount(f); }
void fuse_destroy(void *f) { shim_destroy(f); }
void fuse_exit(void *f) { shim_exit(f); }

/* Without symbol versions (Mach-O has none) the 3.12 loop is exported as fuse_loop_mt_312. */
int fuse_loop_mt_312(void *f, void *config) { return shim_loop(f, config); }
void *fuse_loop_cfg_create(void) { return shim_loop_cfg_create(); }
void fuse_loop_cfg_destroy(void *c) { shim_loop_cfg_destroy(c); }
void fuse_loop_cfg_set_max_threads(void *c, unsigned int v) { shim_loop_cfg_set_max_threads(c, v); }
void fuse_loop_cfg_set_clone_fd(void *c, unsigned int v) { shim_loop_cfg_set_clone_fd(c, v); }

static __thread struct mf_context context;

struct mf_context *fuse_get_context(void)
{
	shim_context(&context);
	return &context;
}

/* macFUSE cannot tell a request's supplementary groups (no /proc): -ENOSYS, as on macOS. */
int fuse_getgroups(int size, uint32_t list[])
{
	(void) size;
	(void) list;
	return -MF_ENOSYS;
}

void fuse_opt_free_args(struct mf_args *args) { shim_opt_free_args(args); }
