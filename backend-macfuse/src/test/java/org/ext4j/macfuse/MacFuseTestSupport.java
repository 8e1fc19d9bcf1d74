package org.ext4j.macfuse;

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

/** What the macFUSE mount tests share: the preconditions, mounting through the shim, the last-resort cleanup. */
final class MacFuseTestSupport {
    /** The "Mac user" the tests mount as (the tests themselves run as root). */
    static final long MAC_UID = 1000;
    static final long MAC_GID = 1000;

    private MacFuseTestSupport() {
    }

    /**
     * Fails (never skips) unless this machine can mount through the shim as root: the tests are
     * the proof that this backend works, so a missing piece must show.
     */
    static void requireCanMount(Path volumes) throws Exception {
        assertTrue("root".equals(System.getProperty("user.name")), "the macFUSE mount tests run as root");
        assertTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing (modprobe fuse)");
        assertNull(MacFuseBackend.unavailableReason(Shim.host(volumes)),
                "the shim stands on libfuse3 (scripts/test.sh installs fuse3, libfuse3-3, libfuse3-dev, libicu-dev)");
    }

    /** The kernel-extension mode with the on-disk owners and allow_other: what the shared suites compare with the kernel. */
    static MacFuseOptions vfsWithOwners(Path image) {
        return MacFuseOptions.defaults(image.toString(), MacFuseOptions.Backend.VFS, "EXT4J", MAC_UID, MAC_GID)
                .parse(List.of("owners,allow_other"));
    }

    /**
     * The defaults a Mac user gets (FSKit, files shown as theirs), mounted by root for the Mac
     * user: on Linux only the mounting user may enter a FUSE mount without allow_other, while on
     * a Mac the user mounts it themselves.
     */
    static MacFuseOptions fskitAsMacUser(Path image, String volumeName) {
        MacFuseOptions o = MacFuseOptions.defaults(image.toString(), MacFuseOptions.Backend.FSKIT, volumeName, MAC_UID,
                MAC_GID);
        return o.withCommon(o.common().withAllowOther(true));
    }

    /** Opens {@code image} and mounts it through macFUSE's ABI (the shim) with {@code options}. */
    static HighLevelMount mount(Path image, Path dir, MacFuseOptions options, Path volumes) throws Exception {
        PosixFileSystem volume = PosixFileSystem.open(image, options.common().readOnly() ? OpenOptions.READ_ONLY
                : OpenOptions.READ_WRITE);
        try {
            return MacFuseBackend.mount(volume, dir, options, Shim.host(volumes), System.err);
        } catch (Exception e) {
            volume.close();
            try {
                HighLevelMounts.unmountForSure(null, dir);
            } catch (Exception cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** A Mounter for the shared suites: the kernel extension's mode, on-disk owners, allow_other. */
    static Mounter mounter(Path volumes) {
        return (image, dir, access) -> {
            MacFuseOptions options = vfsWithOwners(image);
            if (access == Mounter.Access.READ_ONLY) {
                options = options.withCommon(options.common().withReadOnly(true));
            }
            HighLevelMount mount = mount(image, dir, options, volumes);
            return () -> HighLevelMounts.unmountForSure(mount, dir);
        };
    }
}
