/* What the WinFsp-named entry points (winfsp_shim.c) ask of the Linux half (winfsp_shim_linux.c). */
#ifndef EXT4J_WINFSP_SHIM_H
#define EXT4J_WINFSP_SHIM_H

#include <stddef.h>
#include "winfsp_abi.h"

#define SHIM_INTERNAL __attribute__((visibility("hidden")))

struct shim;

SHIM_INTERNAL struct shim *shim_new(struct wf_args *args, const struct wf_operations *op, size_t op_size,
		void *user_data);
SHIM_INTERNAL int shim_mount(struct shim *s, const char *mountpoint);
SHIM_INTERNAL void shim_unmount(struct shim *s);
SHIM_INTERNAL void shim_destroy(struct shim *s);
SHIM_INTERNAL void shim_exit(struct shim *s);
SHIM_INTERNAL int shim_loop(struct shim *s);
SHIM_INTERNAL void shim_context(struct wf_context *out);
SHIM_INTERNAL void shim_configure(const char *drives, uint32_t uid, uint32_t gid);

#endif
