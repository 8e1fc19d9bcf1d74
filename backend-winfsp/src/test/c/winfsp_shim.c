/*
 * A test-only stand-in for WinFsp's DLL on Linux: the env-less FUSE3 entry points WinFsp exports
 * for FFI callers (src/dll/fuse3/fuse3_compat.c builds them from inc/fuse3/fuse.h with
 * FUSE_USE_VERSION unset: fuse3_new, not fuse3_new_30; fuse3_loop_mt_31, not fuse3_loop_mt),
 * under WinFsp's names and with WinFsp's types (winfsp_abi.h), served by the Linux half
 * (winfsp_shim_linux.c), which translates every request of the real Linux libfuse3 into the
 * WinFsp call and back. No libfuse3 name is exported but fuse_opt_free_args, which WinFsp's DLL
 * exports env-less too (from its FUSE2 layer).
 */
#include <stdlib.h>
#include <string.h>
#include "winfsp_abi.h"
#include "winfsp_shim.h"

/* fsp_fuse3_version returns FUSE_VERSION: FUSE_MAKE_VERSION(3, 2). */
int fuse3_version(void)
{
	return WF_FUSE_VERSION;
}

void *fuse3_new(struct wf_args *args, const struct wf_operations *ops, size_t opsize, void *data)
{
	return shim_new(args, ops, opsize, data);
}

int fuse3_mount(void *f, const char *mountpoint) { return shim_mount(f, mountpoint); }
void fuse3_unmount(void *f) { shim_unmount(f); }
void fuse3_destroy(void *f) { shim_destroy(f); }
void fuse3_exit(void *f) { shim_exit(f); }

/* WinFsp's loops ignore clone_fd and size their own dispatcher. */
int fuse3_loop_mt_31(void *f, int clone_fd)
{
	(void) clone_fd;
	return shim_loop(f);
}

static __thread struct wf_context context;

struct wf_context *fuse3_get_context(void)
{
	shim_context(&context);
	return &context;
}

/* inc/fuse3/fuse.h: WinFsp cannot tell a request's supplementary groups. */
int fuse3_getgroups(int size, uint32_t list[])
{
	(void) size;
	(void) list;
	return -WF_ENOSYS;
}

/* WinFsp's fsp_fuse_opt_free_args: frees what fuse_opt_add_arg allocated, then empties the args. */
void fuse_opt_free_args(struct wf_args *args)
{
	if (!args)
		return;
	if (args->argv && args->allocated) {
		for (int i = 0; i < args->argc; i++)
			free(args->argv[i]);
		free(args->argv);
	}
	args->argc = 0;
	args->argv = NULL;
	args->allocated = 0;
}

/*
 * Test-only: where drive letters live (drive X: is the directory DRIVES/X) and who "the mounting
 * user" is (what WinFsp's uid=-1 and gid=-1 resolve to: the account the server runs under).
 */
void winfsp_shim_configure(const char *drives, uint32_t uid, uint32_t gid)
{
	shim_configure(drives, uid, gid);
}
