package org.ext4j.core.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The operating systems ext4j knows how to mount on, and how FUSE is installed on each. */
public enum HostOs {
    LINUX("Linux"),
    MACOS("macOS"),
    FREEBSD("FreeBSD"),
    WINDOWS("Windows"),
    OTHER("this system");

    private final String displayName;

    HostOs(String displayName) {
        this.displayName = displayName;
    }

    /** The OS this JVM runs on. */
    public static HostOs current() {
        return of(System.getProperty("os.name", ""));
    }

    /** The OS an {@code os.name} value names ("Linux", "Mac OS X", "FreeBSD", "Windows 11"). */
    public static HostOs of(String osName) {
        String name = osName.toLowerCase(Locale.ROOT);
        if (name.startsWith("linux")) {
            return LINUX;
        }
        if (name.startsWith("mac") || name.startsWith("darwin")) {
            return MACOS;
        }
        if (name.startsWith("freebsd")) {
            return FREEBSD;
        }
        if (name.startsWith("windows")) {
            return WINDOWS;
        }
        return OTHER;
    }

    /** The name users know ("macOS", not "Mac OS X"). */
    public String displayName() {
        return displayName;
    }

    /**
     * The one thing to do to get a FUSE implementation here, as a user would type or follow it.
     * On Linux it names the package manager of the distribution /etc/os-release describes.
     */
    public String fuseInstallHint() {
        return switch (this) {
            case LINUX -> linuxFuseInstallHint(readOsRelease());
            case MACOS -> "install macFUSE from https://macfuse.github.io";
            case FREEBSD -> "pkg install fusefs-libs3; kldload fusefs";
            case WINDOWS -> "install WinFsp from https://winfsp.dev";
            case OTHER -> "install a FUSE 3 implementation for " + System.getProperty("os.name");
        };
    }

    /**
     * The fuse3 install line for the Linux distribution {@code osRelease} (the text of
     * /etc/os-release) describes, by its ID and ID_LIKE.
     */
    static String linuxFuseInstallHint(String osRelease) {
        String ids = " " + field(osRelease, "ID") + " " + field(osRelease, "ID_LIKE") + " ";
        if (ids.contains(" debian ") || ids.contains(" ubuntu ")) {
            return "apt install fuse3";
        }
        if (ids.contains(" fedora ") || ids.contains(" rhel ") || ids.contains(" centos ")) {
            return "dnf install fuse3";
        }
        if (ids.contains(" suse ") || ids.contains(" opensuse ")) {
            return "zypper install fuse3";
        }
        if (ids.contains(" arch ")) {
            return "pacman -S fuse3";
        }
        if (ids.contains(" alpine ")) {
            return "apk add fuse3";
        }
        return "install the fuse3 package of your distribution";
    }

    private static String field(String osRelease, String key) {
        for (String line : osRelease.split("\n")) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).replace("\"", "").replace("'", "").strip()
                        .toLowerCase(Locale.ROOT);
            }
        }
        return "";
    }

    private static String readOsRelease() {
        for (String name : new String[] {"/etc/os-release", "/usr/lib/os-release"}) {
            try {
                return Files.readString(Path.of(name), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                // Not there (a minimal container): try the other place, then give the generic hint.
            }
        }
        return "";
    }
}
