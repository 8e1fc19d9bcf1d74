package org.ext4j.macfuse.names;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.junit.jupiter.api.Test;

/** macOS's one xattr namespace against ext4's user.*, and noapplexattr. */
class DarwinXattrNamesTest {
    @Test
    void macNamesAreUserAttributes() {
        DarwinXattrNames n = new DarwinXattrNames(true);
        assertEquals("user.org.example.tag", n.toCore("org.example.tag"));
        assertEquals("org.example.tag", n.toHost("user.org.example.tag"));
        assertEquals("user.user.x", n.toCore("user.x"), "a Mac name that starts with user. keeps it");
        assertNull(n.toHost("trusted.x"));
        assertNull(n.toHost("system.posix_acl_access"));
        assertNull(n.toHost("security.selinux"));
    }

    @Test
    void appleAttributesAreRefusedWithNoapplexattr() {
        DarwinXattrNames refusing = new DarwinXattrNames(true);
        assertEquals(Errno.EPERM, assertThrows(Ext4Exception.class, () -> refusing.toCore("com.apple.quarantine")).errno());
        assertNull(refusing.toHost("user.com.apple.FinderInfo"), "one written on Linux is not shown either");
        DarwinXattrNames storing = new DarwinXattrNames(false);
        assertEquals("user.com.apple.ResourceFork", storing.toCore("com.apple.ResourceFork"));
        assertEquals("com.apple.FinderInfo", storing.toHost("user.com.apple.FinderInfo"));
    }
}
