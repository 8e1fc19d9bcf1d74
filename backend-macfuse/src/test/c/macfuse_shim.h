/* What the macFUSE-named entry points (macfuse_shim.c) ask of the Linux half (macfuse_shim_linux.c). */
#ifndef EXT4J_MACFUSE_SHIM_H
#define EXT4J_MACFUSE_SHIM_H

#include <stddef.h>
#include "macfuse_abi.h"

#define SHIM_INTERNAL __attribute__((visibility("hidden")))

struct shim;

SHIM_INTERNAL struct shim *shim_new(struct mf_args *args, const struct mf_operations *op, size_t op_size,
		void *user_data);
SHIM_INTERNAL int shim_mount(struct shim *s, const char *mountpoint);
SHIM_INTERNAL void shim_unmount(struct shim *s);
SHIM_INTERNAL void shim_destroy(struct shim *s);
SHIM_INTERNAL void shim_exit(struct shim *s);
SHIM_INTERNAL int shim_loop(struct shim *s, void *config);
SHIM_INTERNAL void *shim_loop_cfg_create(void);
SHIM_INTERNAL void shim_loop_cfg_destroy(void *c);
SHIM_INTERNAL void shim_loop_cfg_set_max_threads(void *c, unsigned int v);
SHIM_INTERNAL void shim_loop_cfg_set_clone_fd(void *c, unsigned int v);
SHIM_INTERNAL void shim_context(struct mf_context *out);
SHIM_INTERNAL void shim_opt_free_args(struct mf_args *args);

#endif
