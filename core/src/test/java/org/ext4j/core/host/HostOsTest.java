package org.ext4j.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** os.name values as the JDK reports them on each system, and the install hints. */
class HostOsTest {
    @Test
    void osNamesOfEachSystem() {
        assertEquals(HostOs.LINUX, HostOs.of("Linux"));
        assertEquals(HostOs.MACOS, HostOs.of("Mac OS X"));
        assertEquals(HostOs.FREEBSD, HostOs.of("FreeBSD"));
        assertEquals(HostOs.WINDOWS, HostOs.of("Windows 11"));
        assertEquals(HostOs.WINDOWS, HostOs.of("Windows Server 2022"));
        assertEquals(HostOs.OTHER, HostOs.of("SunOS"));
        assertEquals(HostOs.of(System.getProperty("os.name")), HostOs.current());
    }

    @Test
    void eachSystemNamesItsOwnFix() {
        assertEquals("install macFUSE from https://macfuse.github.io", HostOs.MACOS.fuseInstallHint());
        assertEquals("install WinFsp from https://winfsp.dev", HostOs.WINDOWS.fuseInstallHint());
        assertEquals("pkg install fusefs-libs3; kldload fusefs", HostOs.FREEBSD.fuseInstallHint());
    }

    @Test
    void linuxHintFollowsOsRelease() {
        assertEquals("apt install fuse3", HostOs.linuxFuseInstallHint("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"));
        assertEquals("apt install fuse3", HostOs.linuxFuseInstallHint("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n"));
        assertEquals("dnf install fuse3", HostOs.linuxFuseInstallHint("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n"));
        assertEquals("pacman -S fuse3", HostOs.linuxFuseInstallHint("ID=arch\n"));
        assertEquals("zypper install fuse3", HostOs.linuxFuseInstallHint("ID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\n"));
        assertEquals("install the fuse3 package of your distribution", HostOs.linuxFuseInstallHint(""));
    }
}
