package org.ext4j.macfuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding macFUSE's library: the places looked at, the one a property points at (how the tests
 * point it at the shim), and what `ext4j backends` would say about it.
 */
class MacFuseLibraryTest {
    @TempDir
    Path temp;

    @Test
    void theFoundLibraryIsNamedWithItsVersion() throws Exception {
        MacFuseHost host = Shim.host(temp);
        assertNull(MacFuseBackend.unavailableReason(host));
        assertEquals(Shim.library() + " (3.17)", MacFuseBackend.libraryDescription(host),
                "the shim reports macFUSE 5's libfuse 3.17");
    }

    @Test
    void aMissingLibrarySaysWhatWasTriedAndWhatToInstall() {
        MacFuseHost nowhere = new MacFuseHost(List.of("/nonexistent/libfuse3.4.dylib"), "install macFUSE 5",
                List.of("umount"), List.of("umount", "-f"), temp, false);
        String reason = MacFuseBackend.unavailableReason(nowhere);
        assertTrue(reason.contains("/nonexistent/libfuse3.4.dylib (no such file)") && reason.endsWith("install macFUSE 5"),
                reason);
    }

    @Test
    void macOsLooksWhereMacFuseAndHomebrewPutItAfterTheChosenOne() {
        String before = System.getProperty(MacFuseHost.LIBRARY_PROPERTY);
        System.setProperty(MacFuseHost.LIBRARY_PROPERTY, "/opt/shim/libfuse3.so");
        try {
            List<String> libs = MacFuseHost.macOS().libraries();
            assertEquals("/opt/shim/libfuse3.so", libs.get(0));
            assertEquals(MacFuseHost.MACFUSE_LIBRARIES, libs.subList(1, libs.size()));
            assertTrue(libs.contains("/usr/local/lib/libfuse3.4.dylib"));
            assertTrue(libs.contains("/opt/homebrew/lib/libfuse3.4.dylib"));
        } finally {
            if (before == null) {
                System.clearProperty(MacFuseHost.LIBRARY_PROPERTY);
            } else {
                System.setProperty(MacFuseHost.LIBRARY_PROPERTY, before);
            }
        }
    }
}
