package org.ext4j.highlevel;

import java.util.List;
import org.ext4j.core.spi.Caller;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.path.NamePolicy;
import org.ext4j.highlevel.path.XattrNaming;

/**
 * What a port of the high-level backend to another FUSE library brings (macFUSE, WinFsp): the
 * platform facts, the host's naming rules, the library's own mount options and how its sessions
 * must run. {@link #LINUX_LIKE} is this module's own use of libfuse3.
 *
 * @param platform          layouts, numbers, dialect and library names
 * @param names             how host names map to stored bytes
 * @param xattrNames        how host xattr names map to the core's
 * @param libraryOptions    further {@code -o} options for the library (macFUSE's volname=,
 *                          noappledouble, backend=fskit, ...)
 * @param fixedCaller       the caller of every request where the library reports none, or null
 * @param fixedUmask        the umask of every request with a fixed caller
 * @param mountOnLoopThread fuse_mount on the thread that runs the loop
 * @param opensAlwaysReadWrite the library opens every file read/write, whatever was asked (macFUSE's
 *                          FSKit backend): a refused read/write open is retried read-only
 * @param mountsOnDirectory the mount point is an existing directory, checked and made canonical
 *                          before the library gets it (libfuse3, macFUSE); false where the library
 *                          takes its own mount point syntax and checks it itself (WinFsp's drive
 *                          letters, or a directory that must not exist yet)
 */
public record HighLevelPort(Platform platform, NamePolicy names, XattrNaming xattrNames, List<String> libraryOptions,
        Caller fixedCaller, int fixedUmask, boolean mountOnLoopThread, boolean opensAlwaysReadWrite,
        boolean mountsOnDirectory) {

    /** libfuse3 on the JVM's own platform, names and xattr names as Linux has them. */
    public static HighLevelPort forPlatform(Platform platform) {
        return new HighLevelPort(platform, NamePolicy.EXACT, XattrNaming.LINUX, List.of(), null, 0, false, false);
    }

    /** A port whose mount point is an existing directory. */
    public HighLevelPort(Platform platform, NamePolicy names, XattrNaming xattrNames, List<String> libraryOptions,
            Caller fixedCaller, int fixedUmask, boolean mountOnLoopThread, boolean opensAlwaysReadWrite) {
        this(platform, names, xattrNames, libraryOptions, fixedCaller, fixedUmask, mountOnLoopThread,
                opensAlwaysReadWrite, true);
    }

    public HighLevelPort {
        libraryOptions = List.copyOf(libraryOptions);
        if (platform == null || names == null || xattrNames == null) {
            throw new IllegalArgumentException("a port needs its platform, name policy and xattr naming");
        }
    }
}
