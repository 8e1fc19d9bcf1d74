package org.ext4j.highlevel.bind;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.ext4j.core.spi.Caller;
import org.ext4j.highlevel.abi.LibfuseAbi;
import org.ext4j.highlevel.abi.Platform;

/**
 * Who made the request a callback serves, from {@code fuse_get_context()}: uid, gid, pid and the
 * umask, valid on the calling thread for the duration of the callback. The supplementary groups
 * come from {@code fuse_getgroups}, which libfuse answers from /proc on Linux and with -ENOSYS
 * where it cannot (FreeBSD, macOS): there a check that needs them sees only the primary group,
 * and the kernel, which checked access with the real credentials first (default_permissions),
 * has already refused what the groups would not allow. They are fetched only when a check needs
 * them, and only on the callback's own thread (the core asks synchronously).
 *
 * <p>Where the library has no caller to report (macFUSE's FSKit backend leaves fuse_context
 * unfilled), every request is made by one fixed identity, the mount's owner, with its umask.
 */
final class RequestContext {
    private static final int INITIAL_GROUPS = 64;
    private static final int MAX_GROUPS = 65536;

    private final LibFuse fuse;
    private final jnr.ffi.Runtime runtime;
    private final Platform platform;
    private final Caller fixed;
    private final int fixedUmask;

    /**
     * @param fixed      the caller of every request, or null to ask fuse_get_context()
     * @param fixedUmask the umask of every request when {@code fixed} is given
     */
    RequestContext(LibfuseLibrary library, Platform platform, Caller fixed, int fixedUmask) {
        this.fuse = library.fuse();
        this.runtime = library.runtime();
        this.platform = platform;
        this.fixed = fixed;
        this.fixedUmask = fixedUmask;
    }

    /** The caller of the current request. */
    Caller caller() {
        if (fixed != null) {
            return fixed;
        }
        Pointer ctx = fuse.fuse_get_context();
        long uid = LibfuseAbi.CTX_UID.get(ctx);
        long gid = LibfuseAbi.CTX_GID.get(ctx);
        long pid = LibfuseAbi.CTX_PID.getSigned(ctx);
        if (uid == 0) {
            return new Caller(0, gid, new long[0], pid);
        }
        return Caller.withGroupsOnDemand(uid, gid, this::groups, pid);
    }

    /** The umask of the current request (what the kernel sent with mknod, mkdir and create). */
    int umask() {
        if (fixed != null) {
            return fixedUmask;
        }
        Pointer ctx = fuse.fuse_get_context();
        long raw = platform.modeWidth() == 2 ? ctx.getShort(LibfuseAbi.CTX_UMASK_OFFSET) & 0xFFFF
                : ctx.getInt(LibfuseAbi.CTX_UMASK_OFFSET);
        return (int) raw & 0777;
    }

    private long[] groups() {
        int size = INITIAL_GROUPS;
        while (true) {
            Pointer list = Memory.allocateDirect(runtime, 4L * size, true);
            int n = fuse.fuse_getgroups(size, list);
            if (n < 0) {
                return new long[0];
            }
            if (n <= size) {
                long[] groups = new long[n];
                for (int i = 0; i < n; i++) {
                    groups[i] = list.getInt(4L * i) & 0xFFFF_FFFFL;
                }
                return groups;
            }
            if (n > MAX_GROUPS) {
                return new long[0];
            }
            size = n;
        }
    }
}
