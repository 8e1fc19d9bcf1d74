package org.ext4j.core.htree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Checks every hash version against e2fsprogs' own implementation (debugfs {@code dx_hash}). */
class DirHashTest {
    private static final Pattern HASH_LINE =
            Pattern.compile("^Hash of .* is 0x([0-9a-f]+) \\(minor 0x([0-9a-f]+)\\)$", Pattern.DOTALL);

    @TempDir
    static Path dir;
    private static Path image;

    @BeforeAll
    static void makeImage() throws Exception {
        // dx_hash needs an open filesystem but takes its seed and version from the arguments only.
        image = dir.resolve("hash.img");
        run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "1M"), null);
    }

    private record Case(byte[] name, int[] seed) {
    }

    @ParameterizedTest(name = "hash version {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void matchesDebugfs(int version) throws Exception {
        Random random = new Random(0x5eed + version);
        List<Case> cases = new ArrayList<>();
        int[] edgeLengths = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 254, 255};
        for (int len : edgeLengths) {
            cases.add(new Case(randomName(random, len), null));
        }
        for (int i = 0; i < 400; i++) {
            int len = 1 + random.nextInt(255);
            int[] seed = null;
            if (i % 2 == 1) {
                seed = new int[] {random.nextInt(), random.nextInt(), random.nextInt(), random.nextInt()};
            }
            cases.add(new Case(randomName(random, len), seed));
        }
        // Bytes >= 0x80 at every position of a word: where signed and unsigned versions part.
        for (int len = 1; len <= 40; len++) {
            byte[] name = new byte[len];
            for (int k = 0; k < len; k++) {
                name[k] = (byte) (0x80 + random.nextInt(0x80));
            }
            cases.add(new Case(name, null));
        }

        ByteArrayOutputStream script = new ByteArrayOutputStream();
        for (Case c : cases) {
            script.writeBytes(("dx_hash -h " + version).getBytes(StandardCharsets.US_ASCII));
            if (c.seed() != null) {
                script.writeBytes((" -s " + uuidOf(c.seed())).getBytes(StandardCharsets.US_ASCII));
            }
            // "--" ends the options: a name may start with '-'.
            script.writeBytes(" -- \"".getBytes(StandardCharsets.US_ASCII));
            script.writeBytes(c.name());
            script.writeBytes("\"\n".getBytes(StandardCharsets.US_ASCII));
        }
        Path cmd = dir.resolve("cmd-" + version);
        Files.write(cmd, script.toByteArray());
        String out = run(List.of("debugfs", "-f", cmd.toString(), image.toString()), null);

        List<long[]> expected = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = HASH_LINE.matcher(line);
            if (m.matches()) {
                expected.add(new long[] {Long.parseLong(m.group(1), 16), Long.parseLong(m.group(2), 16)});
            }
        }
        assertEquals(cases.size(), expected.size(), "debugfs answered every dx_hash command");
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            DirHash.NameHash actual = DirHash.hash(c.name(), version, c.seed());
            String what = "version " + version + " name " + HexFormat.of().formatHex(c.name())
                    + (c.seed() == null ? "" : " seed " + uuidOf(c.seed()));
            assertEquals(expected.get(i)[0], actual.major() & 0xffffffffL, "major hash of " + what);
            assertEquals(expected.get(i)[1], actual.minor() & 0xffffffffL, "minor hash of " + what);
        }
    }

    @Test
    void signedAndUnsignedDifferOnlyForHighBytes() {
        byte[] ascii = "plain-ascii-name".getBytes(StandardCharsets.US_ASCII);
        byte[] high = "caf\u00e9-na\u00efve".getBytes(StandardCharsets.UTF_8);
        for (int base = DirHash.LEGACY; base <= DirHash.TEA; base++) {
            assertEquals(DirHash.hash(ascii, base, null), DirHash.hash(ascii, base + DirHash.UNSIGNED_DELTA, null));
            assertNotEquals(DirHash.hash(high, base, null), DirHash.hash(high, base + DirHash.UNSIGNED_DELTA, null));
        }
    }

    @Test
    void zeroSeedMeansDefaultSeedAndMajorIsEven() {
        byte[] name = "lost+found".getBytes(StandardCharsets.US_ASCII);
        for (int v = 0; v <= 5; v++) {
            assertEquals(DirHash.hash(name, v, null), DirHash.hash(name, v, new int[4]));
            assertEquals(0, DirHash.hash(name, v, null).major() & 1);
        }
    }

    @Test
    void rejectsUnknownVersions() {
        byte[] name = {'a'};
        assertThrows(IllegalArgumentException.class, () -> DirHash.hash(name, DirHash.SIPHASH, null));
        assertThrows(IllegalArgumentException.class, () -> DirHash.hash(name, -1, null));
        assertTrue(DirHash.isSupported(DirHash.TEA_UNSIGNED));
    }

    /** A name debugfs' command parser passes through unchanged inside double quotes. */
    private static byte[] randomName(Random random, int len) {
        byte[] name = new byte[len];
        for (int i = 0; i < len; i++) {
            int b;
            do {
                b = random.nextBoolean() ? 0x20 + random.nextInt(0x5f) : 0x80 + random.nextInt(0x80);
            } while (b == '"' || b == '\\');
            name[i] = (byte) b;
        }
        return name;
    }

    /** debugfs takes the seed as a UUID whose 16 bytes are the four little-endian seed words. */
    private static String uuidOf(int[] seed) {
        byte[] b = new byte[16];
        for (int i = 0; i < 4; i++) {
            for (int k = 0; k < 4; k++) {
                b[i * 4 + k] = (byte) (seed[i] >>> (8 * k));
            }
        }
        String hex = HexFormat.of().formatHex(b);
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }

    private static String run(List<String> command, Path workDir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + command);
        String text = new String(out, StandardCharsets.ISO_8859_1);
        assertEquals(0, p.exitValue(), command + " failed: " + text);
        return text;
    }
}
