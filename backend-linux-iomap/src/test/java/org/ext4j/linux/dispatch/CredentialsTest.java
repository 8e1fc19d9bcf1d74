package org.ext4j.linux.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.ext4j.core.spi.Caller;
import org.ext4j.linux.protocol.InHeader;
import org.junit.jupiter.api.Test;

/**
 * The caller of a request: supplementary groups come from the kernel's /proc/PID/status, and are
 * read only when a check needs them (most are settled by the owner or the primary group).
 */
class CredentialsTest {
    @Test
    void groupsAreTheKernelsAndAreReadOnFirstNeedOnly() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "setting another process's groups needs root");
        // A caller whose groups the kernel was told by setpriv: the lookup must find exactly those.
        Process task = new ProcessBuilder("setpriv", "--reuid=1000", "--regid=1000", "--groups=3000,3001", "sleep", "30")
                .redirectErrorStream(true).start();
        try {
            // setpriv sets the groups, then becomes sleep: wait for that.
            Path comm = Path.of("/proc", Long.toString(task.pid()), "comm");
            for (int i = 0; i < 500 && !Files.readString(comm).strip().equals("sleep"); i++) {
                Thread.sleep(10);
            }
            Caller caller = Credentials.of(header(1000, 1000, task.pid()));
            assertTrue(caller.toString().contains("not looked up"), caller.toString());
            assertTrue(caller.inGroup(1000), "the primary group needs no lookup");
            assertTrue(caller.toString().contains("not looked up"), "the primary group read /proc: " + caller);
            assertTrue(caller.inGroup(3001));
            assertFalse(caller.inGroup(3002));
            assertArrayEquals(new long[] {3000, 3001}, caller.groups());
        } finally {
            task.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLazyCallerLooksItsGroupsUpOnce() {
        AtomicInteger lookups = new AtomicInteger();
        Caller caller = Caller.withGroupsOnDemand(1000, 100, () -> {
            lookups.incrementAndGet();
            return new long[] {7, 9};
        }, 42);
        assertFalse(caller.isRoot());
        assertTrue(caller.inGroup(100));
        assertEquals(0, lookups.get(), "uid, root and primary-group checks look nothing up");
        assertTrue(caller.inGroup(9));
        assertFalse(caller.inGroup(8));
        assertEquals(1, lookups.get());
        assertEquals(new Caller(1000, 100, new long[] {7, 9}, 42), caller);
    }

    @Test
    void rootNeedsNoGroups() {
        Caller root = Credentials.of(header(0, 0, ProcessHandle.current().pid()));
        assertTrue(root.isRoot());
        assertEquals(0, root.groups().length);
    }

    private static InHeader header(long uid, long gid, long pid) {
        return new InHeader(40, 1, 1, 1, uid, gid, pid, 0);
    }
}
