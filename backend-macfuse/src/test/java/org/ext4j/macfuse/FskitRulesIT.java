package org.ext4j.macfuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.backend.OwnerOverride;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.highlevel.HighLevelBackend;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.HighLevelPort;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * macFUSE's FSKit rules, as the shim applies them: the mount point in /Volumes, a volume name,
 * fuse_mount and the loop on one thread, no caller context. The backend keeps each (the first
 * test), and each rule, broken on purpose through a port that differs from the backend's in that
 * one point, makes the mount fail or the user's writes fail: so the shim checks what it claims.
 */
class FskitRulesIT {
    @TempDir
    Path temp;
    private Path volumes;
    private Path image;

    @BeforeEach
    void setUp() throws Exception {
        volumes = Files.createDirectory(temp.resolve("Volumes"));
        MacFuseTestSupport.requireCanMount(volumes);
        Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        image = ImageFactory.mkfs(temp.resolve("disk.img"), "32M");
    }

    private MacFuseOptions fskit() {
        return MacFuseTestSupport.fskitAsMacUser(image, "DISK");
    }

    @Test
    void theBackendKeepsEveryRuleAndTheUserWritesAsTheShownOwner() throws Exception {
        Path mnt = Files.createDirectory(volumes.resolve("DISK"));
        assertTrue(fskit().libraryOptions().contains("volname=DISK"), "volname always");
        HighLevelMount mount = MacFuseTestSupport.mount(image, mnt, fskit(), volumes);
        try {
            assertEquals("", userWrites(mnt), "the Mac user writes into a root-owned root directory");
            assertEquals(MacFuseTestSupport.MAC_UID, (int) Files.getAttribute(mnt.resolve("mine.txt"), "unix:uid"));
        } finally {
            HighLevelMounts.unmountForSure(mount, mnt);
        }
        ImageFactory.requireClean(image);
    }

    @Test
    void aMountPointOutsideVolumesIsRefused() throws Exception {
        Path mnt = Files.createDirectory(temp.resolve("elsewhere"));
        IOException e = assertThrows(IOException.class, () -> MacFuseTestSupport.mount(image, mnt, fskit(), volumes));
        assertTrue(e.getMessage().contains("mounts only in " + volumes), e.getMessage());
    }

    @Test
    void withoutAVolumeNameTheShimRefusesTheMount() throws Exception {
        HighLevelPort port = MacFuseBackend.port(fskit(), Shim.host(volumes));
        List<String> noVolname = new ArrayList<>(port.libraryOptions());
        noVolname.removeIf(o -> o.startsWith("volname="));
        assertMountFails(new HighLevelPort(port.platform(), port.names(), port.xattrNames(), noVolname,
                port.fixedCaller(), port.fixedUmask(), port.mountOnLoopThread(), true));
    }

    @Test
    void mountingOffTheLoopThreadEndsTheMount() throws Exception {
        HighLevelPort port = MacFuseBackend.port(fskit(), Shim.host(volumes));
        Path mnt = Files.createDirectory(volumes.resolve("DISK"));
        HighLevelMount mount = mount(mnt, new HighLevelPort(port.platform(), port.names(), port.xattrNames(),
                port.libraryOptions(), port.fixedCaller(), port.fixedUmask(), false, true));
        try {
            assertTrue(mount.session().awaitEnd(30, java.util.concurrent.TimeUnit.SECONDS), "the loop refused to run");
            assertEquals(-1, mount.session().loopResult());
        } finally {
            HighLevelMounts.unmountForSure(mount, mnt);
        }
    }

    @Test
    void readingTheCallerContextUnderFskitLeavesTheUserWithoutRights() throws Exception {
        HighLevelPort port = MacFuseBackend.port(fskit(), Shim.host(volumes));
        Path mnt = Files.createDirectory(volumes.resolve("DISK"));
        HighLevelMount mount = mount(mnt, new HighLevelPort(port.platform(), port.names(), port.xattrNames(),
                port.libraryOptions(), null, 0, true, true));
        try {
            assertTrue(userWrites(mnt).contains("Permission denied"), "a server that trusts the context is nobody's");
        } finally {
            HighLevelMounts.unmountForSure(mount, mnt);
        }
    }

    private void assertMountFails(HighLevelPort port) throws Exception {
        Path mnt = Files.createDirectory(volumes.resolve("DISK"));
        PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
        try {
            IOException e = assertThrows(IOException.class, () -> HighLevelBackend.mount(volume, mnt,
                    fskit().common(), port, System.err));
            assertTrue(e.getMessage().contains("could not mount"), e.getMessage());
        } finally {
            volume.close();
        }
    }

    private HighLevelMount mount(Path mnt, HighLevelPort port) throws Exception {
        PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
        MacFuseOptions o = fskit();
        return HighLevelBackend.mount(new OwnerOverride(volume, o.ownerUid(), o.ownerGid()), mnt, o.common(), port,
                System.err);
    }

    /** What the Mac user's shell says when it writes a file into the volume's root ("" when it worked). */
    private String userWrites(Path mnt) {
        Tools.Result r = Tools.run(List.of("setpriv", "--reuid=" + MacFuseTestSupport.MAC_UID,
                "--regid=" + MacFuseTestSupport.MAC_GID, "--clear-groups", "sh", "-c",
                "echo mine > '" + mnt.resolve("mine.txt") + "'"));
        return r.stderr().trim();
    }
}
