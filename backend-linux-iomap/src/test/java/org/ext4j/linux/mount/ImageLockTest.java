package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.host.ImageLock;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's image lock with Linux's claim (found through META-INF/services): a flock(2) beside
 * the record lock, so util-linux flock(1) and ext4j keep each other out.
 */
class ImageLockTest {
    @TempDir
    Path temp;

    @Test
    void aSecondLockIsRefusedNamingTheHolderUntilTheFirstIsReleased() throws Exception {
        Path image = Files.write(temp.resolve("a.img"), new byte[4096]);
        try (ImageLock first = ImageLock.acquire(image)) {
            assertFalse(first.blockDevice());
            assertTrue(first.claim(LinuxImageClaim.class).isPresent(), "Linux adds its flock");
            IOException e = assertThrows(IOException.class, () -> ImageLock.acquire(image));
            assertTrue(e.getMessage().startsWith(image + " is in use by another ext4j (pid " + ProcessHandle.current().pid()),
                    e.getMessage());
            // flock(1) -n fails with exit 1 while the lock is held.
            assertEquals(1, Tools.run(List.of("flock", "-n", image.toString(), "true")).exitCode());
        }
        assertEquals(0, Tools.run(List.of("flock", "-n", image.toString(), "true")).exitCode());
        ImageLock.acquire(image).close();
    }

    @Test
    void aLockHeldByFlockCommandIsRespected() throws Exception {
        Path image = Files.write(temp.resolve("b.img"), new byte[4096]);
        // -o: flock(1) itself holds the lock while sleep runs, so the lock goes when flock does
        // (without it sleep inherits the locked descriptor, and may not have been forked yet
        // when the test ends it).
        Process holder = new ProcessBuilder("flock", "-o", image.toString(), "sleep", "30").start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            IOException refused = null;
            while (refused == null && System.nanoTime() < deadline) {
                try {
                    ImageLock.acquire(image).close();
                    Thread.sleep(50);
                } catch (IOException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null && refused.getMessage().contains("is in use"), "refused while flock(1) holds it");
            assertTrue(refused.getMessage().contains("(pid " + holder.pid()), "names flock(1): " + refused.getMessage());
        } finally {
            holder.descendants().forEach(ProcessHandle::destroy);
            holder.destroy();
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS), "flock(1) ended");
        }
        // Refused by the claim after the record lock was taken: that lock was given back too.
        ImageLock.acquire(image).close();
    }
}
