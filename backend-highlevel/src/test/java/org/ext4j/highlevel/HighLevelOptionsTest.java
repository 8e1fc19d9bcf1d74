package org.ext4j.highlevel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Mount options: what libfuse is handed, and what is refused by name. */
class HighLevelOptionsTest {
    private static final HighLevelOptions BASE = HighLevelOptions.readWrite("/img");

    @Test
    void defaultsHandLibfuseTheImageAsSourceAndDefaultPermissions() {
        assertEquals(List.of("fsname=/img", "subtype=ext4j", "default_permissions", "rw"), BASE.libfuseOptions());
    }

    @Test
    void knownOptionsAreApplied() {
        HighLevelOptions o = BASE.parse(List.of("ro,allow_other", "noexec", "fsname=/other", "max_threads=4",
                "attr_timeout=2.5", "default_permissions"));
        assertTrue(o.readOnly());
        assertTrue(o.allowOther());
        assertEquals(4, o.maxThreads());
        assertEquals(2.5, o.attrTimeout());
        assertEquals(List.of("fsname=/other", "subtype=ext4j", "default_permissions", "allow_other", "ro", "noexec"),
                o.libfuseOptions());
    }

    @Test
    void whatCannotBeHonouredIsRefusedByName() {
        for (String option : List.of("uid=1000", "umask=022", "kernel_cache", "auto_unmount", "blkdev", "debug",
                "max_read=4096", "nosuchoption", "relatime")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BASE.parse(List.of(option)),
                    option);
            assertTrue(e.getMessage().contains("'" + option + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> BASE.parse(List.of("fsname=a,b=c")));
        assertThrows(IllegalArgumentException.class, () -> BASE.parse(List.of("max_threads=0")));
    }
}
