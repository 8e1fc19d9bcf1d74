package org.ext4j.highlevel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.ext4j.core.backend.Availability;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.backend.MountOption;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.Volume;
import org.ext4j.core.host.HostCommand;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.bind.LibfuseLibrary;

/**
 * The libfuse3 backend as the {@code ext4j} command sees it ({@code --backend fuse3}, the one
 * {@code auto} picks on FreeBSD): an adapter from the backend SPI to {@link HighLevelBackend}.
 * The shared options map onto {@link HighLevelOptions} (ro, allow_other, fsname, and noexec and
 * noatime as libfuse flags); commit=, errors= and the access-time rules are the core's, which
 * the volume was opened with. uid= and gid= are refused: this backend does not show another owner.
 */
public final class Fuse3Backend implements Backend {
    /** For {@link java.util.ServiceLoader}. */
    public Fuse3Backend() {
    }

    @Override
    public String name() {
        return "fuse3";
    }

    @Override
    public String description() {
        return "libfuse3's high-level path API through jnr-ffi";
    }

    @Override
    public Set<HostOs> servesOn() {
        return Set.of(HostOs.LINUX, HostOs.FREEBSD);
    }

    @Override
    public Availability availability() {
        Platform platform;
        try {
            platform = Platform.current();
        } catch (LinkageError e) {
            return Availability.unavailable("jnr-ffi cannot load native libraries here: " + e, null, "libfuse3");
        }
        if (platform == null) {
            return Availability.unavailable("no libfuse3 struct layouts for " + System.getProperty("os.name") + " on "
                    + System.getProperty("os.arch"), null, "libfuse3");
        }
        String lookedFor = String.join(" or ", platform.libraries()) + " in the dynamic linker's path";
        try {
            LibfuseLibrary library = LibfuseLibrary.load(platform);
            return Availability.available(library.soname() + " (dynamic linker)", library.versionString());
        } catch (IOException e) {
            String message = e.getMessage();
            String hint = ": " + platform.installHint();
            String reason = message.endsWith(hint) ? message.substring(0, message.length() - hint.length()) : message;
            return Availability.unavailable(reason, HostOs.current().fuseInstallHint(), lookedFor);
        } catch (LinkageError e) {
            return Availability.unavailable("jnr-ffi cannot load native libraries here: " + e, null, lookedFor);
        }
    }

    @Override
    public Optional<String> refusal(MountOption option) {
        return switch (option) {
            case UID, GID -> Optional.of("showing another owner (uid=/gid=) is not implemented by the fuse3 backend");
            default -> Backend.super.refusal(option);
        };
    }

    @Override
    public MountHandle mount(Volume volume, Path mountpoint, MountOptions options) throws IOException {
        WritableFileSystem fs = volume.fs().writable().orElseThrow(() -> new IOException(
                "the fuse3 backend serves only filesystems with the write operations (read-only ones refuse them)"));
        if (options.overridesOwner()) {
            throw new IOException("the fuse3 backend cannot show another owner (uid=/gid=)");
        }
        if (!options.allowNonEmpty() && isNonEmptyDirectory(mountpoint)) {
            // libfuse3 mounts over entries without asking; the shared vocabulary asks for nonempty.
            throw new IOException("mount point " + mountpoint + " is not empty (mount over it with -o nonempty)");
        }
        HighLevelOptions served;
        try {
            List<String> flags = new ArrayList<>();
            if (options.noExec()) {
                flags.add("noexec");
            }
            if (options.atime() == org.ext4j.core.fs.AtimeMode.NOATIME) {
                flags.add("noatime");
            }
            served = HighLevelOptions.readWrite(options.fsName()).withReadOnly(options.readOnly())
                    .withAllowOther(options.allowOther()).parse(flags);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        HighLevelMount mount = HighLevelBackend.mount(fs, mountpoint, served);
        return new LockedMount(mount, volume.lock(), options.readOnly() ? "read-only" : "read-write");
    }

    private static boolean isNonEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        }
    }

    /** The platform's unmount command: fusermount3 -u (-z) on Linux, umount (-f) on FreeBSD. */
    @Override
    public void unmount(Path mountpoint, boolean lazy) throws IOException {
        Platform platform = Platform.current();
        if (platform == null) {
            throw new IOException("the fuse3 backend does not run on " + System.getProperty("os.name"));
        }
        List<String> command = platform.unmountCommand(mountpoint.toAbsolutePath().normalize(), lazy);
        HostCommand.runOk(command);
    }
}
