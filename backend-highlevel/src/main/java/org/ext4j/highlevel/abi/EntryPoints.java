package org.ext4j.highlevel.abi;

import java.util.Map;

/**
 * How a library exports the entry points the binding calls, where it differs from libfuse3:
 * under other names (WinFsp exports {@code fuse3_new}, {@code fuse3_mount}, ... for FFI callers),
 * with another version numbering, another loop, and another way to end a mount.
 *
 * @param renamed        the library's symbol for each libfuse3 name that it exports under
 *                       another one ({@code fuse_new_31} to {@code fuse3_new}); names not listed
 *                       are looked up as they are
 * @param versionBase    what {@code fuse_version()} multiplies the major version by: 100 in
 *                       libfuse3 (3.14 is 314), 10 in WinFsp (FUSE_MAKE_VERSION: 3.2 is 32)
 * @param loopWithCloneFd the multi-threaded loop is always the 3.0/3.1 one,
 *                       {@code fuse_loop_mt_31(f, clone_fd)}, whatever the version says (WinFsp
 *                       exports no other to FFI callers)
 * @param exitUnmounts   {@code fuse_exit} removes the mount and ends the loop (WinFsp: the drive
 *                       goes when the loop stops); otherwise a mount is ended from outside with
 *                       the platform's unmount command, and {@code fuse_exit} alone would leave
 *                       the loop's workers blocked on the device
 */
public record EntryPoints(Map<String, String> renamed, int versionBase, boolean loopWithCloneFd,
        boolean exitUnmounts) {

    /** libfuse3's own names and numbering. */
    public static final EntryPoints LIBFUSE3 = new EntryPoints(Map.of(), 100, false, false);

    public EntryPoints {
        renamed = Map.copyOf(renamed);
        if (versionBase != 10 && versionBase != 100) {
            throw new IllegalArgumentException("fuse_version() is major * 10 or * 100 plus minor, not * " + versionBase);
        }
    }

    /** The symbol that serves the libfuse3 entry point {@code name}. */
    public String symbol(String name) {
        return renamed.getOrDefault(name, name);
    }

    /** fuse_version()'s answer as libfuse3 numbers it (100 * major + minor). */
    public int libfuseVersion(int reported) {
        return versionBase == 100 ? reported : reported / 10 * 100 + reported % 10;
    }
}
