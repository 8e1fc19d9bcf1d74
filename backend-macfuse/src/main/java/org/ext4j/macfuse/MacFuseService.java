package org.ext4j.macfuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.ext4j.core.backend.Availability;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.Volume;
import org.ext4j.core.fs.AtimeMode;
import org.ext4j.core.host.HostCommand;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.LockedMount;
import org.ext4j.highlevel.HighLevelOptions;
import org.ext4j.highlevel.bind.LibfuseLibrary;

/**
 * The macOS backend as the {@code ext4j} command sees it ({@code --backend macfuse}, the one
 * {@code auto} picks on macOS): an adapter from the backend SPI to {@link MacFuseBackend}. The
 * shared options map onto {@link MacFuseOptions} (ro, allow_other, fsname, uid=, gid=, noexec,
 * noatime); commit=, errors= and the access-time rules are the core's. What only macFUSE has
 * (volname=, backend=fskit|vfs, [no]appledouble, [no]applexattr, [no]local, owners) has no place
 * in the shared vocabulary yet, so it is read from {@value #OPTIONS_ENV}.
 */
public final class MacFuseService implements Backend {
    /** macFUSE's own mount options, comma-separated, until the shared vocabulary carries them. */
    public static final String OPTIONS_ENV = "EXT4J_MACFUSE_OPTIONS";

    /** For {@link java.util.ServiceLoader}. */
    public MacFuseService() {
    }

    @Override
    public String name() {
        return "macfuse";
    }

    @Override
    public String description() {
        return "macFUSE 5's libfuse3 (FSKit, or its kernel extension) through jnr-ffi";
    }

    @Override
    public Set<HostOs> servesOn() {
        return Set.of(HostOs.MACOS);
    }

    @Override
    public Availability availability() {
        MacFuseHost host = MacFuseHost.macOS();
        String lookedFor = String.join(" or ", host.libraries());
        try {
            LibfuseLibrary library = LibfuseLibrary.load(MacFuseBackend.platform(host));
            return Availability.available(library.soname(), library.versionString());
        } catch (IOException e) {
            String message = e.getMessage();
            String hint = ": " + host.installHint();
            String reason = message.endsWith(hint) ? message.substring(0, message.length() - hint.length()) : message;
            return Availability.unavailable(reason, host.installHint(), lookedFor);
        } catch (LinkageError e) {
            return Availability.unavailable("jnr-ffi cannot load native libraries here: " + e, null, lookedFor);
        }
    }

    @Override
    public MountHandle mount(Volume volume, Path mountpoint, MountOptions options) throws IOException {
        WritableFileSystem fs = volume.fs().writable().orElseThrow(() -> new IOException(
                "the macfuse backend serves only filesystems with the write operations (read-only ones refuse them)"));
        if (!options.allowNonEmpty() && isNonEmptyDirectory(mountpoint)) {
            throw new IOException("mount point " + mountpoint + " is not empty (mount over it with -o nonempty)");
        }
        MacFuseHost host = MacFuseHost.macOS();
        MacFuseOptions served;
        try {
            served = options(volume.image(), options, host, System.getenv(OPTIONS_ENV));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        HighLevelMount mount = MacFuseBackend.mount(fs, mountpoint, served, host, System.err);
        return new LockedMount(mount, volume.lock(), (served.common().readOnly() ? "read-only" : "read-write") + ", "
                + (served.backend() == MacFuseOptions.Backend.FSKIT ? "FSKit" : "kernel extension") + ", volume "
                + served.volumeName());
    }

    /** The shared options, then macFUSE's own ({@code extra}, may be null), as {@link MacFuseOptions}. */
    static MacFuseOptions options(Path image, MountOptions options, MacFuseHost host, String extra) throws IOException {
        MacFuseOptions o = MacFuseOptions.forSource(image, LockedMount.label(image), host);
        List<String> flags = new ArrayList<>();
        if (options.noExec()) {
            flags.add("noexec");
        }
        if (options.atime() == AtimeMode.NOATIME) {
            flags.add("noatime");
        }
        options.ownerUid().ifPresent(uid -> flags.add("uid=" + uid));
        options.ownerGid().ifPresent(gid -> flags.add("gid=" + gid));
        if (extra != null && !extra.isBlank()) {
            flags.add(extra.trim());
        }
        o = o.withCommon(HighLevelOptions.readWrite(options.fsName()).withReadOnly(options.readOnly())
                .withAllowOther(options.allowOther()));
        return o.parse(flags);
    }

    private static boolean isNonEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        }
    }

    /** umount(8), or diskutil's forced unmount for a busy volume. */
    @Override
    public void unmount(Path mountpoint, boolean lazy) throws IOException {
        MacFuseHost host = MacFuseHost.macOS();
        List<String> command = new ArrayList<>(lazy ? host.forcedUnmount() : host.unmount());
        command.add(mountpoint.toAbsolutePath().normalize().toString());
        HostCommand.runOk(command);
    }
}
