package org.ext4j.winfsp;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.OwnerOverride;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.HighLevelBackend;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.HighLevelPort;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.bind.LibfuseLibrary;
import org.ext4j.highlevel.path.NamePolicy;
import org.ext4j.winfsp.abi.WinFsp;
import org.ext4j.winfsp.names.WindowsEaNames;
import org.ext4j.winfsp.names.WindowsNamedVolume;

/**
 * The Windows backend: an ext4j volume served through WinFsp's FUSE3 layer (its env-less FFI
 * exports, its 40-slot operation table, its Win64 struct layouts, MSVC errno and open-flag
 * values; {@link WinFsp}), on the high-level binding of backend-highlevel.
 *
 * <p>What it adds for Windows: names Windows cannot hold shown so that they round-trip
 * ({@link org.ext4j.winfsp.names.WindowsNames}), extended attributes as Windows EAs in user.*,
 * drive letters, and owners. By default WinFsp shows every file as the mounting user's
 * ({@code uid=-1,gid=-1}) and decides access itself from what it shows (a security descriptor made
 * from that owner and the mode); ext4j then carries out each request as the on-disk owner of
 * what it acts on ({@link OwnerOverride}), so that what Windows allowed is done, and new files take
 * their directory's owner. With {@code owners} the on-disk owners are shown and every request is
 * made as the Windows user WinFsp names (its SID mapped to a uid).
 */
public final class WinFspBackend {
    /**
     * The identity requests are made as when files are shown with another owner: any id would
     * do, {@link OwnerOverride} replaces it with the on-disk owner of what each request acts on.
     */
    static final long SHOWN_ID = MountOptions.MAX_ID;

    private WinFspBackend() {
    }

    /** What the high-level binding needs to serve through WinFsp with {@code options}. */
    static HighLevelPort port(WinFspOptions options, WinFspHost host) {
        Caller fixed = options.overridesOwner() ? new Caller(SHOWN_ID, SHOWN_ID, new long[] {SHOWN_ID}, 0) : null;
        // No umask comes with a request: WinFsp applies its create_*umask options itself.
        return new HighLevelPort(platform(host), NamePolicy.EXACT, new WindowsEaNames(), options.libraryOptions(),
                fixed, 0, false, false, false);
    }

    /** The platform for {@code host}: WinFsp's ABI with its DLL. */
    public static Platform platform(WinFspHost host) {
        return WinFsp.platform("windows-" + System.getProperty("os.arch"), host.libraries(), host.installHint());
    }

    /**
     * WinFsp's DLL as {@code ext4j backends} shows it ("C:\...\winfsp-x64.dll (FUSE 3.2)").
     *
     * @throws IOException one line: where it was looked for and what to install
     */
    public static String libraryDescription(WinFspHost host) throws IOException {
        LibfuseLibrary library = load(host);
        return library.soname() + " (FUSE " + library.versionString() + ")";
    }

    /** Loads WinFsp's DLL, or says in one line where it looked and what to install. */
    static LibfuseLibrary load(WinFspHost host) throws IOException {
        boolean any = false;
        for (String candidate : host.libraries()) {
            any |= new File(candidate).isFile();
        }
        if (!any) {
            throw new IOException("WinFsp not found (looked for " + (host.libraries().isEmpty() ? "its DLL"
                    : String.join(", ", host.libraries())) + "): " + host.installHint());
        }
        return LibfuseLibrary.load(platform(host));
    }

    /**
     * Mounts {@code volume} on {@code where} and returns once it is served. The mount takes
     * ownership of the volume; on failure nothing stays mounted and the volume is left open.
     *
     * @throws IOException no WinFsp (one line on what to install), a drive letter in use, a
     *                     directory that exists already, or WinFsp refusing
     */
    public static HighLevelMount mount(WritableFileSystem volume, MountPoint where, WinFspOptions options,
            WinFspHost host, PrintStream log) throws IOException {
        MountPoint target = resolve(where, host);
        load(host);
        WritableFileSystem owned = options.overridesOwner()
                ? new OwnerOverride(volume, shown(options.ownerUid()), shown(options.ownerGid())) : volume;
        return HighLevelBackend.mount(new WindowsNamedVolume(owned), Path.of(target.forWinFsp()), options.common(),
                port(options, host), log);
    }

    /** {@code *} as the letter it picks now; a drive in use or a directory that exists is refused. */
    static MountPoint resolve(MountPoint where, WinFspHost host) throws IOException {
        if (where instanceof MountPoint.AnyDrive any) {
            try {
                return any.pick(host.usedDrives().get());
            } catch (IllegalStateException e) {
                throw new IOException(e.getMessage());
            }
        }
        if (where instanceof MountPoint.Drive drive && host.usedDrives().get().contains(drive.letter())) {
            throw new IOException("drive " + drive.forWinFsp() + " is in use (mount on another letter, or on *)");
        }
        if (where instanceof MountPoint.Directory dir) {
            if (Files.exists(dir.path())) {
                throw new IOException("mount point " + dir.path() + " exists: WinFsp mounts on a directory it makes"
                        + " itself (name one that does not exist yet, in an existing directory)");
            }
            Path parent = dir.path().toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new IOException("the directory " + parent + " to mount in does not exist");
            }
        }
        return where;
    }

    /** The overriding id as the wrapper shows it: WinFsp puts its own in its place, so any stands in. */
    private static OptionalLong shown(OptionalLong id) {
        return id.isPresent() ? OptionalLong.of(SHOWN_ID) : OptionalLong.empty();
    }
}
