package org.ext4j.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OS-neutral image lock (the core has no platform claims on its class path): a second lock
 * of the same image is refused through every name of the file (hard link, symbolic link, a
 * path with "..") in this JVM and from another JVM, and the lock leaves the volume's own reads
 * and writes alone.
 */
@Timeout(120)
class ImageLockTest {
    @TempDir
    Path temp;

    /** The same image under three more names. */
    private List<Path> otherNames(Path image) throws IOException {
        Path hardLink = Files.createLink(temp.resolve("hard.img"), image);
        Path symlink = Files.createSymbolicLink(temp.resolve("sym.img"), image);
        Path dotDot = Files.createDirectory(temp.resolve("sub")).resolve("..").resolve(image.getFileName());
        return List.of(hardLink, symlink, dotDot);
    }

    @Test
    void aSecondLockInThisJvmIsRefusedThroughEveryName() throws Exception {
        Path image = Files.write(temp.resolve("a.img"), new byte[4096]);
        List<Path> names = otherNames(image);
        try (ImageLock first = ImageLock.acquire(image)) {
            assertFalse(first.blockDevice());
            for (Path name : List.of(image, names.get(0), names.get(1), names.get(2))) {
                IOException e = assertThrows(IOException.class, () -> ImageLock.acquire(name), name.toString());
                assertTrue(e.getMessage().startsWith(name + " is in use by another ext4j"), e.getMessage());
            }
        }
        for (Path name : names) {
            ImageLock.acquire(name).close();
        }
    }

    @Test
    void anotherJvmIsRefusedWhileOneHoldsIt() throws Exception {
        Path image = Files.write(temp.resolve("b.img"), new byte[4096]);
        List<Path> names = otherNames(image);
        // The other JVM holds it through the hard link; this one tries every name.
        Process holder = holder(names.get(0));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", out.readLine());
            for (Path name : List.of(image, names.get(1), names.get(2))) {
                IOException e = assertThrows(IOException.class, () -> ImageLock.acquire(name), name.toString());
                assertTrue(e.getMessage().startsWith(name + " is in use by another ext4j"), e.getMessage());
                if (Files.isReadable(Path.of("/proc/locks"))) {
                    assertTrue(e.getMessage().contains("(pid " + holder.pid() + ": "), "names the holder: " + e.getMessage());
                }
            }
            holder.getOutputStream().close();
            assertEquals("released", out.readLine());
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        } finally {
            holder.destroyForcibly();
        }
        ImageLock.acquire(names.get(2)).close();
    }

    @Test
    void anotherJvmIsRefusedWhileThisOneHoldsIt() throws Exception {
        Path image = Files.write(temp.resolve("c.img"), new byte[4096]);
        List<Path> names = otherNames(image);
        try (ImageLock held = ImageLock.acquire(names.get(1))) {
            for (Path name : List.of(image, names.get(0), names.get(2))) {
                Process other = holder(name);
                String line = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertTrue(other.waitFor(30, TimeUnit.SECONDS));
                assertEquals(1, other.exitValue(), line);
                assertTrue(line.startsWith("refused: " + name + " is in use by another ext4j"), line);
            }
        }
        Process after = holder(image);
        after.getOutputStream().close();
        String text = new String(after.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(after.waitFor(30, TimeUnit.SECONDS));
        assertEquals("locked\nreleased\n", text);
    }

    @Test
    void theLockLeavesTheVolumeReadingAndWriting() throws Exception {
        Path image = temp.resolve("fs.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", image.toString(), "8M"));
        try (ImageLock lock = ImageLock.acquire(image)) {
            try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
                volume.mkdir(org.ext4j.core.spi.Caller.ROOT, org.ext4j.core.spi.InodeFileSystem.ROOT_INO,
                        "made-while-locked".getBytes(StandardCharsets.UTF_8), 0755);
            }
            assertThrows(IOException.class, () -> ImageLock.acquire(image));
        }
        Tools.runOk(List.of("e2fsck", "-fn", image.toString()));
        assertTrue(Tools.run(List.of("debugfs", "-R", "ls /", image.toString())).stdout().contains("made-while-locked"));
    }

    private static Process holder(Path image) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ImageLockHolder.class.getName(), image.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
