package org.ext4j.highlevel.bind;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.types.size_t;

/**
 * The libfuse3 entry points the backend calls, by the names the library exports for the ABI
 * version used: {@code fuse_new_31} before 3.17 and {@code _fuse_new_31} (with a struct
 * libfuse_version) from 3.17, where plain {@code fuse_new} has only hidden versions;
 * {@code fuse_loop_mt_312} / {@code _32} / {@code _31} by version. Never fuse_main (it parses
 * a command line, installs signal handlers and may daemonize, none of which belongs in a JVM).
 * A symbol the loaded library lacks fails only when called; {@link LibfuseLibrary} calls each
 * only for the versions that have it.
 */
public interface LibFuse {
    int fuse_version();

    Pointer fuse_new_31(Pointer args, Pointer operations, @size_t long operationsSize, Pointer userData);

    Pointer _fuse_new_31(Pointer args, Pointer operations, @size_t long operationsSize, Pointer version,
            Pointer userData);

    int fuse_mount(Pointer fuse, @In byte[] mountpoint);

    void fuse_unmount(Pointer fuse);

    void fuse_destroy(Pointer fuse);

    void fuse_exit(Pointer fuse);

    int fuse_loop_mt_312(Pointer fuse, Pointer config);

    int fuse_loop_mt_32(Pointer fuse, Pointer config);

    int fuse_loop_mt_31(Pointer fuse, int cloneFd);

    Pointer fuse_loop_cfg_create();

    void fuse_loop_cfg_destroy(Pointer config);

    void fuse_loop_cfg_set_max_threads(Pointer config, int maxThreads);

    void fuse_loop_cfg_set_clone_fd(Pointer config, int cloneFd);

    Pointer fuse_get_context();

    int fuse_getgroups(int size, Pointer list);

    void fuse_opt_free_args(Pointer args);

    /** Drops the kernel's cached attributes of the node at a NUL-terminated path (3.1+; -ENOENT when none). */
    int fuse_invalidate_path(Pointer fuse, @In byte[] path);
}
