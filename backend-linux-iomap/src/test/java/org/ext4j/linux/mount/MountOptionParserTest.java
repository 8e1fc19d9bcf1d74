package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.ext4j.core.fs.AtimeMode;
import org.ext4j.core.fs.FsErrors;
import org.ext4j.core.fs.OpenOptions;
import org.junit.jupiter.api.Test;

/** mount(8)-style option strings into MountOptions, and refusals that name the option. */
class MountOptionParserTest {
    private static final MountOptions BASE = MountOptions.readWrite("/img");

    private static MountOptions parse(String... options) {
        return MountOptionParser.parse(BASE, List.of(options));
    }

    private static String refusal(String... options) {
        return assertThrows(IllegalArgumentException.class, () -> parse(options)).getMessage();
    }

    @Test
    void defaultsAreReadWriteRelatimeKernelCommitAndTheDiskOwners() {
        MountOptions o = parse();
        assertFalse(o.readOnly());
        assertEquals(AtimeMode.RELATIME, o.atime());
        assertEquals(OpenOptions.DEFAULT_COMMIT_INTERVAL, o.commitInterval());
        assertFalse(o.overridesOwner());
        assertFalse(o.allowOther());
    }

    @Test
    void ioUringPicksTheTransportAndOffForcesDevFuse() {
        assertEquals(null, parse().transport(), "unset: the system property decides");
        assertEquals(org.ext4j.linux.session.FuseTransport.DEV_FUSE, parse("io_uring=off").transport());
        assertEquals(org.ext4j.linux.session.FuseTransport.DEV_FUSE, parse("io_uring=off").effectiveTransport());
        assertEquals(org.ext4j.linux.session.FuseTransport.IO_URING, parse("io_uring=on").transport());
        assertEquals(org.ext4j.linux.session.FuseTransport.AUTO, parse("io_uring=on,io_uring=auto").transport());
        assertTrue(refusal("io_uring=maybe").contains("auto, off or on"));
        assertTrue(refusal("io_uring").contains("io_uring=auto|off|on"));
        assertFalse(FuseMount.mountData(3, parse("io_uring=off"), 0, 0).contains("io_uring"),
                "a server-side option, never handed to the kernel");
    }

    @Test
    void laterOptionsWinAndListsMayBeSplitOrJoined() {
        assertTrue(parse("rw,ro").readOnly());
        assertFalse(parse("ro", "rw").readOnly());
        assertEquals(AtimeMode.STRICTATIME, parse("noatime,strictatime").atime());
        assertEquals(AtimeMode.NOATIME, parse("relatime", "noatime").atime());
        assertEquals(AtimeMode.RELATIME, parse("noatime,atime").atime());
        // The mode reaches the core, which makes the updates.
        assertEquals(AtimeMode.NOATIME, parse("noatime").openOptions().atimeMode());
        assertEquals(AtimeMode.STRICTATIME, parse("strictatime").openOptions().atimeMode());
    }

    @Test
    void nodiratimeAsTheKernelsExt4TakesIt() {
        assertTrue(parse("nodiratime").noDirAtime());
        assertTrue(parse("nodiratime").openOptions().noDirAtime(), "the core keeps directory atimes");
        assertFalse(parse("nodiratime,diratime").noDirAtime());
        assertEquals(AtimeMode.RELATIME, parse("nodiratime").atime(), "file atimes still follow relatime");
        assertEquals(FuseMount.MS_NODIRATIME, FuseMount.mountFlags(parse("nodiratime")) & FuseMount.MS_NODIRATIME);
    }

    @Test
    void errorsAsTheKernelsExt4TakesIt() {
        assertEquals(null, parse("noatime").openOptions().errors(), "no errors= leaves the superblock's s_errors");
        assertEquals(FsErrors.Behaviour.REMOUNT_RO, parse("errors=remount-ro").openOptions().errors());
        assertEquals(FsErrors.Behaviour.CONTINUE, parse("errors=remount-ro,errors=continue").openOptions().errors());
        assertEquals(FsErrors.Behaviour.PANIC, parse("errors=panic").openOptions().errors());
        assertTrue(refusal("errors=sometimes").contains("continue, remount-ro or panic"));
        assertTrue(refusal("errors").contains("needs a value"));
    }

    @Test
    void remountTakesWhatMount8RepeatsAndChangesOnlyRoAndRw() {
        MountOptions live = parse("allow_other,noatime,commit=30");
        // What mount(8) hands mount.fuse.ext4j for "mount -o remount,ro DIR" (measured, util-linux 2.38).
        MountOptions ro = MountOptionParser.parseRemount(live, List.of(
                "ro,nosuid,nodev,noatime,remount,user_id=0,group_id=0,default_permissions,allow_other"));
        assertEquals(live.withReadOnly(true), ro);
        assertEquals(live, MountOptionParser.parseRemount(ro, List.of("remount,rw")));
        assertEquals("mount option 'strictatime' cannot change on remount (only ro and rw can)",
                assertThrows(IllegalArgumentException.class,
                        () -> MountOptionParser.parseRemount(live, List.of("remount,ro,strictatime"))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MountOptionParser.parseRemount(live, List.of("commit=5")));
        assertThrows(IllegalArgumentException.class, () -> MountOptionParser.parseRemount(live, List.of("bogus")));
    }

    @Test
    void valuedOptions() {
        MountOptions o = parse("uid=1000,gid=100,commit=30,fsname=disk.img,allow_other,noexec,nonempty");
        assertEquals(OptionalLong.of(1000), o.ownerUid());
        assertEquals(OptionalLong.of(100), o.ownerGid());
        assertEquals(Duration.ofSeconds(30), o.commitInterval());
        assertEquals(Duration.ofSeconds(30), o.openOptions().commitInterval());
        assertEquals("disk.img", o.fsName());
        assertTrue(o.allowOther() && o.noExec() && o.allowNonEmpty() && o.overridesOwner());
        assertEquals(OptionalLong.of(0), parse("uid=0").ownerUid());
        assertEquals(OptionalLong.of(MountOptions.MAX_ID), parse("gid=4294967294").ownerGid());
    }

    @Test
    void commitZeroIsTheDefaultAsForTheKernel() {
        assertEquals(OpenOptions.DEFAULT_COMMIT_INTERVAL, parse("commit=60,commit=0").commitInterval());
    }

    @Test
    void readOnlyOpensTheCoreReadOnly() {
        assertTrue(parse("ro").openOptions().readOnly());
        assertFalse(parse().openOptions().readOnly());
    }

    @Test
    void whatFstabAndMountAddIsAccepted() {
        MountOptions o = parse("defaults,auto,noauto,nofail,_netdev,x-systemd.automount,comment=x,nosuid,nodev,"
                + "default_permissions,async");
        assertEquals(BASE, o);
    }

    @Test
    void unknownOptionsAreRefusedByName() {
        assertEquals("unknown mount option 'data=journal'", refusal("ro,data=journal"));
        assertEquals("unknown mount option 'sync'", refusal("sync"));
        assertTrue(refusal("suid").contains("'suid'"));
    }

    @Test
    void badValuesAreRefusedByName() {
        assertTrue(refusal("uid=bob").startsWith("mount option 'uid=bob' needs a decimal number"));
        assertTrue(refusal("uid=").contains("'uid='"));
        assertTrue(refusal("gid=-1").contains("'gid=-1'"));
        assertTrue(refusal("uid=4294967295").contains("ids go up to"));
        assertTrue(refusal("commit=99999999999").contains("'commit=99999999999'"));
        assertTrue(refusal("commit=3000000").contains("at most"));
        assertTrue(refusal("fsname=").contains("'fsname='"));
        assertTrue(refusal("ro=1").contains("takes no value"));
        assertTrue(refusal("noatime=yes").contains("takes no value"));
    }
}
