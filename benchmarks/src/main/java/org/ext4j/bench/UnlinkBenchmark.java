package org.ext4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.Caller;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * rm -rf of a 5 000-file tree as a FUSE server does it, through the core: in an image made by
 * mkfs.ext4 -d (50 directories of 100 files of 1-8 KiB), each file is looked up and retained (the
 * kernel's reference), unlinked (it goes on the orphan list) and, per directory, forgotten
 * together (freed in one transaction, as the Linux backend's forget reaper does); then each
 * directory is removed. The image is not synced inside the measurement. With the server's JVM
 * flags ({@code -XX:TieredStopAtLevel=1}) the default run gives the warm time; a cold one is
 * {@code -wi 0 -i 1 -f 5}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"})
public class UnlinkBenchmark {
    @Param({"50"})
    public int dirs;

    @Param({"100"})
    public int files;

    private Path dir;
    private Path image;
    private PosixFileSystem fs;

    @Setup(Level.Iteration)
    public void freshImage() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("ext4j-jmh-unlink");
        Path tree = dir.resolve("tree");
        java.util.Random rnd = new java.util.Random(7);
        for (int d = 0; d < dirs; d++) {
            Path sub = Files.createDirectories(tree.resolve("d" + d));
            for (int f = 0; f < files; f++) {
                byte[] data = new byte[1 + rnd.nextInt(8192)];
                rnd.nextBytes(data);
                Files.write(sub.resolve("f" + f), data);
            }
        }
        image = dir.resolve("bench.img");
        Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-d", tree.toString(), image.toString(), "256M")
                .inheritIO().start();
        if (mkfs.waitFor() != 0) {
            throw new IOException("mkfs.ext4 -d failed");
        }
        fs = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
    }

    @TearDown(Level.Iteration)
    public void removeImage() throws IOException {
        fs.close();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public int lookupUnlinkForget() {
        int removed = 0;
        for (int d = 0; d < dirs; d++) {
            long sub = fs.lookup(Caller.ROOT, 2, name("d" + d)).ino();
            long[] inos = new long[files];
            for (int f = 0; f < files; f++) {
                inos[f] = fs.lookup(Caller.ROOT, sub, name("f" + f)).ino();
                fs.retain(inos[f]);
                fs.unlink(Caller.ROOT, sub, name("f" + f));
                removed++;
            }
            fs.forgetAll(inos);
            fs.rmdir(Caller.ROOT, 2, name("d" + d));
        }
        return removed;
    }

    private static byte[] name(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
