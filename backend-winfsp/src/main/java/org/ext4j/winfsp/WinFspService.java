package org.ext4j.winfsp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.ext4j.core.backend.Availability;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.backend.MountOption;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.Volume;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.LockedMount;
import org.ext4j.highlevel.HighLevelOptions;
import org.ext4j.highlevel.bind.LibfuseLibrary;

/**
 * The Windows backend as the {@code ext4j} command sees it ({@code --backend winfsp}, the one
 * {@code auto} picks on Windows): an adapter from the backend SPI to {@link WinFspBackend}. The
 * mount point is a drive letter ({@code X:}), {@code *} for the first free one, or a directory
 * that does not exist yet. The shared options map onto {@link WinFspOptions} (ro, fsname, uid=,
 * gid=); commit=, errors= and the access-time rules are the core's. What only WinFsp has
 * (volname=, owners, uid=-1) is read from {@value #OPTIONS_ENV}.
 */
public final class WinFspService implements Backend {
    /** WinFsp's own mount options, comma-separated, until the shared vocabulary carries them. */
    public static final String OPTIONS_ENV = "EXT4J_WINFSP_OPTIONS";

    /** For {@link java.util.ServiceLoader}. */
    public WinFspService() {
    }

    @Override
    public String name() {
        return "winfsp";
    }

    /** No {@code ext4j umount} from another process here: Ctrl-C in the server's window ends it cleanly. */
    @Override
    public String howToUnmount(Path mountpoint) {
        return "stop with Ctrl-C in this window (the drive goes away once everything is written)";
    }

    @Override
    public String description() {
        return "WinFsp's FUSE3 layer (drive letters, Explorer) through jnr-ffi";
    }

    @Override
    public Set<HostOs> servesOn() {
        return Set.of(HostOs.WINDOWS);
    }

    @Override
    public Availability availability() {
        return availability(WinFspHost.windows());
    }

    /** What {@code ext4j backends} says for {@code host}: the DLL found and its FUSE API version, or what to install. */
    static Availability availability(WinFspHost host) {
        String lookedFor = host.libraries().isEmpty() ? "winfsp-x64.dll in WinFsp's bin directory"
                : String.join(" or ", host.libraries());
        try {
            LibfuseLibrary library = WinFspBackend.load(host);
            return Availability.available(library.soname(), "FUSE " + library.versionString());
        } catch (IOException e) {
            String message = e.getMessage();
            String hint = ": " + host.installHint();
            String reason = message.endsWith(hint) ? message.substring(0, message.length() - hint.length()) : message;
            return Availability.unavailable(reason, host.installHint(), lookedFor);
        } catch (LinkageError e) {
            return Availability.unavailable("jnr-ffi cannot load native libraries here: " + e, null, lookedFor);
        }
    }

    /** Options WinFsp has no counterpart for, refused by name. */
    @Override
    public Optional<String> refusal(MountOption option) {
        return switch (option) {
            case ALLOW_OTHER -> Optional.of("WinFsp lets in every Windows user the shown owner and mode allow;"
                    + " there is no allow_other");
            case NOEXEC -> Optional.of("Windows has no noexec mount");
            case NONEMPTY -> Optional.of("WinFsp mounts on a drive letter or on a directory it makes itself");
            default -> Optional.empty();
        };
    }

    /**
     * A drive letter as the root of the drive ({@code X:} and {@code x:} are {@code X:\}); {@code *}
     * as the first free letter now, from Z: down, so that the command prints which; a folder as
     * it is.
     */
    @Override
    public Path mountPoint(String text) throws IOException {
        return mountPoint(text, WinFspHost.windows());
    }

    static Path mountPoint(String text, WinFspHost host) throws IOException {
        MountPoint where;
        try {
            where = WinFspBackend.resolve(MountPoint.parse(text), host);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return where instanceof MountPoint.Drive d ? Path.of(d.letter() + ":\\") : Path.of(where.forWinFsp());
    }

    /** A drive letter is busy while Windows lists it; a folder as on any system. */
    @Override
    public boolean isMounted(Path dir) throws IOException {
        if (MountPoint.parse(dir.toString()) instanceof MountPoint.Drive d) {
            return WinFspHost.windows().usedDrives().get().contains(d.letter());
        }
        return Backend.super.isMounted(dir);
    }

    @Override
    public MountHandle mount(Volume volume, Path mountpoint, MountOptions options) throws IOException {
        return mount(volume, MountPoint.parse(mountpoint.toString()), options, WinFspHost.windows(),
                System.getenv(OPTIONS_ENV));
    }

    /** Mounts on {@code where} with {@code host} and WinFsp's own options {@code extra} (may be null). */
    static MountHandle mount(Volume volume, MountPoint where, MountOptions options, WinFspHost host, String extra)
            throws IOException {
        WritableFileSystem fs = volume.fs().writable().orElseThrow(() -> new IOException(
                "the winfsp backend serves only filesystems with the write operations (read-only ones refuse them)"));
        WinFspOptions served;
        try {
            served = options(volume.image(), options, extra);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        HighLevelMount mount = WinFspBackend.mount(fs, where, served, host, System.err);
        return new LockedMount(mount, volume.lock(), (served.common().readOnly() ? "read-only" : "read-write")
                + ", drive or folder " + mount.mountpoint() + ", volume " + served.volumeName() + (served.overridesOwner()
                ? ", files shown as the mounting user's" : ", on-disk owners"));
    }

    /** The shared options, then WinFsp's own ({@code extra}, may be null), as {@link WinFspOptions}. */
    static WinFspOptions options(Path image, MountOptions options, String extra) {
        WinFspOptions o = WinFspOptions.forSource(image, LockedMount.label(image));
        List<String> flags = new ArrayList<>();
        options.ownerUid().ifPresent(uid -> flags.add("uid=" + uid));
        options.ownerGid().ifPresent(gid -> flags.add("gid=" + gid));
        if (extra != null && !extra.isBlank()) {
            flags.add(extra.strip());
        }
        o = o.withCommon(HighLevelOptions.readWrite(options.fsName()).withReadOnly(options.readOnly()));
        return o.parse(flags);
    }

}
