package org.ext4j.highlevel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.bind.LibfuseLibrary;
import org.ext4j.highlevel.bind.LibfuseSession;
import org.ext4j.highlevel.path.PathOperations;

/**
 * The portable backend: an ext4j volume served through libfuse3's high-level, path-based API
 * ({@code struct fuse_operations}), which Linux, FreeBSD's fusefs, macFUSE and WinFsp all offer.
 * Platform facts (struct layouts, errno and flag values) come from a {@link Platform}; the
 * library's version decides which entry points and layouts of libfuse are used.
 */
public final class HighLevelBackend {
    private HighLevelBackend() {
    }

    /** Why this backend cannot run here, or null when it can. */
    public static String unavailableReason() {
        Platform platform = Platform.current();
        if (platform == null) {
            return "no struct layouts for " + System.getProperty("os.name") + " on " + System.getProperty("os.arch");
        }
        try {
            LibfuseLibrary.load(platform);
        } catch (IOException e) {
            return e.getMessage();
        }
        return null;
    }

    /** The libfuse3 this backend would use, as "libfuse3.so.3 (3.14)". */
    public static String libraryDescription() throws IOException {
        LibfuseLibrary library = LibfuseLibrary.load(requirePlatform());
        return library.soname() + " (" + library.versionString() + ")";
    }

    /**
     * Mounts {@code volume} on {@code mountpoint} and returns once libfuse has mounted it and its
     * loop runs. The mount takes ownership of the volume (it is closed when the mount ends). On
     * failure nothing stays mounted and the volume is left open for the caller.
     *
     * @throws IOException no usable libfuse3 (one line naming the package to install), a
     *                     mount point that is not a directory, a read-write mount of a volume
     *                     that takes no writes, or libfuse refusing the mount
     */
    public static HighLevelMount mount(WritableFileSystem volume, Path mountpoint, HighLevelOptions options)
            throws IOException {
        return mount(volume, mountpoint, options, System.err);
    }

    /** {@link #mount(WritableFileSystem, Path, HighLevelOptions)} with unexpected failures logged to {@code log}. */
    public static HighLevelMount mount(WritableFileSystem volume, Path mountpoint, HighLevelOptions options,
            PrintStream log) throws IOException {
        return mount(volume, mountpoint, options, HighLevelPort.forPlatform(requirePlatform()), log);
    }

    /**
     * Mounts {@code volume} through the library and rules of {@code port} (another FUSE library's
     * port of this backend); otherwise as {@link #mount(WritableFileSystem, Path, HighLevelOptions)}.
     */
    public static HighLevelMount mount(WritableFileSystem volume, Path mountpoint, HighLevelOptions options,
            HighLevelPort port, PrintStream log) throws IOException {
        Platform platform = port.platform();
        if (!options.readOnly() && volume.isReadOnly()) {
            throw new IOException("cannot mount read-write: the filesystem is read-only (" + volume.readOnlyReason()
                    + "); mount it read-only");
        }
        if (port.mountsOnDirectory() && !Files.isDirectory(mountpoint)) {
            throw new IOException("mount point " + mountpoint + " is not a directory");
        }
        LibfuseLibrary library = LibfuseLibrary.load(platform);
        Path target = port.mountsOnDirectory() ? mountpoint.toRealPath() : mountpoint;
        PathOperations ops = new PathOperations(volume, port.names(), port.xattrNames(), port.opensAlwaysReadWrite());
        List<String> libfuseOptions = new ArrayList<>(options.libfuseOptions());
        libfuseOptions.addAll(port.libraryOptions());
        LibfuseSession.Settings settings = new LibfuseSession.Settings(options.maxThreads(),
                new LibfuseSession.Timeouts(options.entryTimeout(), options.attrTimeout(), 0), port.fixedCaller(),
                port.fixedUmask(), port.mountOnLoopThread());
        LibfuseSession session = LibfuseSession.start(ops, platform, library, libfuseOptions, target, settings, log);
        return new HighLevelMount(volume, ops, session);
    }

    private static Platform requirePlatform() throws IOException {
        Platform platform = Platform.current();
        if (platform == null) {
            throw new IOException("the fuse3 backend has no struct layouts for " + System.getProperty("os.name")
                    + " on " + System.getProperty("os.arch"));
        }
        return platform;
    }
}
