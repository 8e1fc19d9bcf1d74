package org.ext4j.winfsp;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.testing.Mounter;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.testing.HighLevelMounts;

/** What the WinFsp mount tests share: the preconditions, mounting through the shim, the last-resort cleanup. */
final class WinFspTestSupport {
    /** The "Windows user" the server runs as in the tests (the tests themselves run as root). */
    static final long WINDOWS_UID = 1000;
    static final long WINDOWS_GID = 1000;

    private WinFspTestSupport() {
    }

    /**
     * Fails (never skips) unless this machine can mount through the shim as root: the tests are
     * the proof that this backend works, so a missing piece must show.
     */
    static WinFspHost requireCanMount(Path drives) throws Exception {
        assertTrue("root".equals(System.getProperty("user.name")), "the WinFsp mount tests run as root");
        assertTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing (modprobe fuse)");
        WinFspHost host = Shim.host(drives, WINDOWS_UID, WINDOWS_GID);
        assertNull(WinFspService.availability(host).reason(),
                "the shim stands on libfuse3 (scripts/test.sh installs fuse3, libfuse3-3, libfuse3-dev)");
        return host;
    }

    /** The on-disk owners, as the shared suites compare them with the kernel. */
    static WinFspOptions withOwners(Path image) {
        return WinFspOptions.defaults(image.toString(), "EXT4J").parse(List.of("owners"));
    }

    /** Opens {@code image} and mounts it through WinFsp's ABI (the shim) on {@code where}. */
    static HighLevelMount mount(Path image, MountPoint where, WinFspOptions options, WinFspHost host)
            throws Exception {
        PosixFileSystem volume = PosixFileSystem.open(image, options.common().readOnly() ? OpenOptions.READ_ONLY
                : OpenOptions.READ_WRITE);
        try {
            return WinFspBackend.mount(volume, where, options, host, System.err);
        } catch (Exception e) {
            volume.close();
            throw e;
        }
    }

    /**
     * A Mounter for the shared suites: on the suite's directory, which WinFsp must make itself (it
     * is removed first, and WinFsp's stand-in removes it again after the unmount), on-disk owners.
     */
    static Mounter mounter(WinFspHost host) {
        return (image, dir, access) -> {
            WinFspOptions options = withOwners(image);
            if (access == Mounter.Access.READ_ONLY) {
                options = options.withCommon(options.common().withReadOnly(true));
            }
            Files.deleteIfExists(dir);
            HighLevelMount mount = mount(image, new MountPoint.Directory(dir), options, host);
            return () -> {
                HighLevelMounts.unmountForSure(mount, dir);
                Files.createDirectories(dir);
            };
        };
    }
}
