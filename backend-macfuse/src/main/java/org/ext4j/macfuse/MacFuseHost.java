package org.ext4j.macfuse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where macFUSE is and how this machine unmounts: the host half of the macOS port, which a test
 * replaces to serve macFUSE's ABI through a stand-in library on Linux.
 *
 * @param libraries       macFUSE's libfuse3 to try, in order (absolute paths or dyld names)
 * @param installHint     what to do when none loads
 * @param unmount         the command that unmounts a mount point (appended)
 * @param forcedUnmount   the same for a busy mount
 * @param volumesRoot     where FSKit volumes must be mounted (/Volumes)
 * @param fskitByDefault  FSKit is the default backend (macOS 15.4 or later)
 */
public record MacFuseHost(List<String> libraries, String installHint, List<String> unmount,
        List<String> forcedUnmount, Path volumesRoot, boolean fskitByDefault) {

    /** System property naming the library to load instead of looking for macFUSE's. */
    public static final String LIBRARY_PROPERTY = "ext4j.macfuse.library";
    /** Environment variable with the same meaning (the property wins). */
    public static final String LIBRARY_ENV = "EXT4J_MACFUSE_LIBRARY";

    /**
     * Where macFUSE 5 installs its libfuse3 (the .pkg and Homebrew's macfuse cask put it in
     * /usr/local/lib; on Apple silicon Homebrew's own prefix is /opt/homebrew), then whatever dyld
     * finds by name.
     */
    static final List<String> MACFUSE_LIBRARIES = List.of("/usr/local/lib/libfuse3.4.dylib",
            "/opt/homebrew/lib/libfuse3.4.dylib", "/usr/local/lib/libfuse3.dylib", "/opt/homebrew/lib/libfuse3.dylib",
            "libfuse3.4.dylib");

    public MacFuseHost {
        libraries = List.copyOf(libraries);
        unmount = List.copyOf(unmount);
        forcedUnmount = List.copyOf(forcedUnmount);
    }

    /**
     * This Mac: the library named by {@link #LIBRARY_PROPERTY} or {@link #LIBRARY_ENV} first,
     * then macFUSE's places; umount(8), and diskutil's forced unmount for a busy volume.
     */
    public static MacFuseHost macOS() {
        List<String> libs = new ArrayList<>();
        String chosen = System.getProperty(LIBRARY_PROPERTY, System.getenv(LIBRARY_ENV));
        if (chosen != null && !chosen.isEmpty()) {
            libs.add(chosen);
        }
        libs.addAll(MACFUSE_LIBRARIES);
        return new MacFuseHost(libs, "install macFUSE 5 (https://macfuse.github.io, or: brew install --cask macfuse)",
                List.of("umount"), List.of("diskutil", "unmount", "force"), Path.of("/Volumes"),
                fskitAvailable(System.getProperty("os.version", "")));
    }

    /** FSKit volumes are mounted by macFUSE from macOS 15.4 on. */
    static boolean fskitAvailable(String osVersion) {
        String[] parts = osVersion.split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return major > 15 || major == 15 && minor >= 4;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** True when this JVM runs on macOS. */
    public static boolean isMacOS() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("mac");
    }
}
