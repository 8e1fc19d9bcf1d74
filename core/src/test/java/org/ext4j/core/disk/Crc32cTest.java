package org.ext4j.core.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** ext4's raw crc32c against the JDK's CRC32C and against the bitwise definition. */
class Crc32cTest {

    @Test
    void fromInitialMatchesTheJdk() {
        Random r = new Random(1);
        for (int len = 0; len < 5000; len += 1 + r.nextInt(300)) {
            byte[] b = new byte[len];
            r.nextBytes(b);
            CRC32C jdk = new CRC32C();
            jdk.update(b);
            assertEquals((int) jdk.getValue(), ~Crc32c.update(Crc32c.INITIAL, b, 0, len), "length " + len);
        }
    }

    @Test
    void anySeedAndSplitMatchesTheBitwiseDefinition() {
        Random r = new Random(2);
        for (int round = 0; round < 300; round++) {
            int len = r.nextInt(9000);
            byte[] b = new byte[len + 16];
            r.nextBytes(b);
            int off = r.nextInt(16);
            int seed = r.nextInt();
            int expected = bitwise(seed, b, off, len);
            assertEquals(expected, Crc32c.update(seed, b, off, len), "seed " + seed + " length " + len);
            int split = len == 0 ? 0 : r.nextInt(len);
            int chained = Crc32c.update(Crc32c.update(seed, b, off, split), b, off + split, len - split);
            assertEquals(expected, chained, "chained at " + split);
            assertEquals(expected, Crc32c.updateTable(seed, b, off, len));
        }
    }

    @Test
    void knownExt4Value() {
        // The crc32c check value: "123456789" from ~0, inverted, is 0xE3069283.
        byte[] digits = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(0xE3069283, ~Crc32c.update(Crc32c.INITIAL, digits, 0, digits.length));
    }

    private static int bitwise(int crc, byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            crc ^= b[i] & 0xff;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return crc;
    }
}
