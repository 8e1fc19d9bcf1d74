package org.ext4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.EOFException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random writes through an overlay must read back like the same writes on a plain copy, leaving the base intact. */
class OverlayBlockDeviceTest {
    @Test
    void behavesLikeACopyAndNeverWritesTheBase() throws Exception {
        Random random = new Random(5);
        byte[] base = new byte[10_000]; // not a multiple of the chunk size: the last chunk is partial
        random.nextBytes(base);
        MemoryBlockDevice reference = new MemoryBlockDevice(base.clone(), false);
        MemoryBlockDevice under = new MemoryBlockDevice(base.clone(), true);
        try (OverlayBlockDevice overlay = new OverlayBlockDevice(under, 1024)) {
            assertFalse(overlay.isReadOnly());
            for (int i = 0; i < 200; i++) {
                int off = random.nextInt(base.length);
                int len = random.nextInt(Math.min(3000, base.length - off) + 1);
                byte[] data = new byte[len];
                random.nextBytes(data);
                overlay.write(off, data, 0, len);
                reference.write(off, data, 0, len);
                int roff = random.nextInt(base.length);
                int rlen = random.nextInt(base.length - roff + 1);
                assertArrayEquals(reference.read(roff, rlen), overlay.read(roff, rlen));
            }
            overlay.flush();
            assertArrayEquals(reference.toByteArray(), overlay.read(0, base.length));
            assertArrayEquals(base, under.toByteArray());
            assertEquals(10, overlay.overlaidChunks());
            assertThrows(EOFException.class, () -> overlay.read(base.length - 1, 2));
            assertThrows(EOFException.class, () -> overlay.write(-1, new byte[1], 0, 1));
        }
    }
}
