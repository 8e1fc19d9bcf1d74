package org.ext4j.macfuse;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ext4j.core.backend.OwnerOverride;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.HighLevelBackend;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.HighLevelPort;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.bind.LibfuseLibrary;
import org.ext4j.macfuse.abi.Darwin;
import org.ext4j.macfuse.names.DarwinXattrNames;
import org.ext4j.macfuse.names.UnicodeNames;

/**
 * The macOS backend: an ext4j volume served through macFUSE 5's libfuse3 with its Darwin
 * extensions on (struct fuse_darwin_attr, struct statfs, the xattr position, macOS's errno and
 * flag values; {@link Darwin}), on the high-level binding of backend-highlevel.
 *
 * <p>What it adds for macOS: names stored in NFC and found in either form
 * ({@link UnicodeNames}), macOS xattr names as {@code user.*} ({@link DarwinXattrNames}), Finder's
 * metadata kept off the volume, every file shown as the mounting user's by default, and FSKit's
 * rules: a volume name always, the mount point in /Volumes, {@code fuse_mount} on the loop's
 * thread, and no caller context (every request is the shown owner's).
 */
public final class MacFuseBackend {
    /** The umask of requests that come without one (FSKit), as a Mac user's shell has it. */
    static final int FSKIT_UMASK = 022;

    private MacFuseBackend() {
    }

    /**
     * What the high-level binding needs to serve through macFUSE with {@code options}: the
     * platform, macOS's name rules, macFUSE's own options, and under FSKit, which reports no
     * caller, the shown owner as the caller of every request, fuse_mount on the loop's thread and
     * read/write opens that may be reads.
     */
    static HighLevelPort port(MacFuseOptions options, MacFuseHost host) {
        boolean fskit = options.backend() == MacFuseOptions.Backend.FSKIT;
        Caller fixed = fskit ? new Caller(options.ownerUid().getAsLong(), options.ownerGid().getAsLong(),
                new long[] {options.ownerGid().getAsLong()}, 0) : null;
        return new HighLevelPort(platform(host), new UnicodeNames(!options.appleDouble()),
                new DarwinXattrNames(!options.appleXattr()), options.libraryOptions(), fixed, FSKIT_UMASK, fskit,
                fskit);
    }

    /** The platform for {@code host}: macOS's ABI with its libraries and unmount commands. */
    public static Platform platform(MacFuseHost host) {
        return Darwin.platform("macos-" + System.getProperty("os.arch"), host.libraries(), host.installHint(),
                host.unmount(), host.forcedUnmount());
    }

    /** Why macFUSE cannot be used on {@code host}, or null when it can. */
    public static String unavailableReason(MacFuseHost host) {
        try {
            LibfuseLibrary.load(platform(host));
            return null;
        } catch (IOException | LinkageError | RuntimeException e) {
            return e.getMessage();
        }
    }

    /** The library that would be used, as "/usr/local/lib/libfuse3.4.dylib (3.17)": what {@code ext4j backends} shows. */
    public static String libraryDescription(MacFuseHost host) throws IOException {
        LibfuseLibrary library = LibfuseLibrary.load(platform(host));
        return library.soname() + " (" + library.versionString() + ")";
    }

    /**
     * Mounts {@code volume} on {@code mountpoint} and returns once it is served. The mount takes
     * ownership of the volume; on failure nothing stays mounted and the volume is left open.
     *
     * @throws IOException no macFUSE (one line on what to install), an FSKit mount point outside
     *                     /Volumes, a read-write mount of a read-only volume, or macFUSE refusing
     */
    public static HighLevelMount mount(WritableFileSystem volume, Path mountpoint, MacFuseOptions options,
            MacFuseHost host, PrintStream log) throws IOException {
        boolean fskit = options.backend() == MacFuseOptions.Backend.FSKIT;
        if (fskit) {
            Path parent = mountpoint.toAbsolutePath().normalize().getParent();
            if (parent == null || !Files.isSameFile(Files.createDirectories(host.volumesRoot()), parent)) {
                throw new IOException("macFUSE's FSKit backend mounts only in " + host.volumesRoot() + ", not on "
                        + mountpoint + " (or mount with -o backend=vfs)");
            }
        }
        WritableFileSystem served = options.overridesOwner()
                ? new OwnerOverride(volume, options.ownerUid(), options.ownerGid()) : volume;
        HighLevelPort port = port(options, host);
        return HighLevelBackend.mount(served, mountpoint, options.common(), port, log);
    }
}
