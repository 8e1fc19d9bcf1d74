package org.ext4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.ext4j.core.fs.AtimeMode;
import org.ext4j.core.view.FsErrors;
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
    void ioUringTakesAutoOffOrOn() {
        assertEquals(null, parse().ioUring(), "not given: the backend's default");
        assertEquals(MountOptions.IoUring.OFF, parse("io_uring=off").ioUring());
        assertEquals(MountOptions.IoUring.ON, parse("io_uring=on").ioUring());
        assertEquals(MountOptions.IoUring.AUTO, parse("io_uring=on,io_uring=auto").ioUring());
        assertTrue(refusal("io_uring=maybe").contains("auto, off or on"));
        assertTrue(refusal("io_uring").contains("io_uring=auto|off|on"));
    }

    @Test
    void ioUringIsRefusedByABackendThatDoesNotSpeakTheKernelsFuse() {
        Backend plain = new Backend() {
            @Override
            public String name() {
                return "plain";
            }

            @Override
            public String description() {
                return "a test backend with the default refusals";
            }

            @Override
            public java.util.Set<org.ext4j.core.host.HostOs> servesOn() {
                return java.util.Set.of(org.ext4j.core.host.HostOs.current());
            }

            @Override
            public Availability availability() {
                return Availability.available("nothing", null);
            }

            @Override
            public MountHandle mount(Volume volume, java.nio.file.Path mountpoint, MountOptions options) {
                throw new UnsupportedOperationException("never mounted");
            }
        };
        String message = assertThrows(IllegalArgumentException.class,
                () -> MountOptionParser.parse(BASE, List.of("io_uring=off"), plain)).getMessage();
        assertTrue(message.contains("'io_uring=off' is not supported by the plain backend"), message);
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

    /** A backend that honours everything but uid= and noexec, as a backend without them would. */
    private static final Backend PARTIAL = new Backend() {
        @Override
        public String name() {
            return "partial";
        }

        @Override
        public String description() {
            return "a test backend";
        }

        @Override
        public java.util.Set<org.ext4j.core.host.HostOs> servesOn() {
            return java.util.Set.of(org.ext4j.core.host.HostOs.current());
        }

        @Override
        public Availability availability() {
            return Availability.available("nothing", null);
        }

        @Override
        public java.util.Optional<String> refusal(MountOption option) {
            return switch (option) {
                case UID -> java.util.Optional.of("it shows the owners on disk");
                case NOEXEC -> java.util.Optional.of("its host cannot forbid execution");
                default -> java.util.Optional.empty();
            };
        }

        @Override
        public MountHandle mount(Volume volume, java.nio.file.Path mountpoint, MountOptions options) {
            throw new UnsupportedOperationException("never mounted");
        }
    };

    @Test
    void aBackendRefusesWhatItCannotHonourByName() {
        assertEquals("mount option 'uid=1000' is not supported by the partial backend: it shows the owners on disk",
                assertThrows(IllegalArgumentException.class,
                        () -> MountOptionParser.parse(BASE, List.of("ro,uid=1000"), PARTIAL)).getMessage());
        assertEquals("mount option 'noexec' is not supported by the partial backend: its host cannot forbid execution",
                assertThrows(IllegalArgumentException.class,
                        () -> MountOptionParser.parse(BASE, List.of("gid=5", "noexec"), PARTIAL)).getMessage());
        // What it honours parses as without a backend; unknown options stay unknown.
        assertEquals(parse("gid=5,exec,commit=9"), MountOptionParser.parse(BASE, List.of("gid=5,exec,commit=9"), PARTIAL));
        assertEquals("unknown mount option 'bogus'", assertThrows(IllegalArgumentException.class,
                () -> MountOptionParser.parse(BASE, List.of("bogus"), PARTIAL)).getMessage());
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
