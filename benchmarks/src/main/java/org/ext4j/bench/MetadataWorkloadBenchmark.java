package org.ext4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.WritableFileSystem;
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
 * The journal issue's metadata-heavy workload, through the core: in a fresh image, create 20 000
 * files over 20 directories, write 4 KiB to each, fsync every 100th, then unlink them all, and
 * close (which makes everything durable). Run with and without a journal on identical images;
 * the ratio of the two scores is the journal's overhead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
public class MetadataWorkloadBenchmark {
    /** mkfs.ext4 feature list for the image: with the journal (the default) or without. */
    @Param({"has_journal", "^has_journal"})
    public String journal;

    @Param({"20000"})
    public int files;

    private Path dir;
    private Path image;
    private final byte[] data = new byte[4096];

    @Setup(Level.Iteration)
    public void freshImage() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("ext4j-jmh");
        image = dir.resolve("bench.img");
        Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-O", journal, image.toString(), "512M")
                .inheritIO().start();
        if (mkfs.waitFor() != 0) {
            throw new IOException("mkfs.ext4 failed");
        }
        new java.util.Random(1).nextBytes(data);
    }

    @TearDown(Level.Iteration)
    public void removeImage() throws IOException {
        Files.deleteIfExists(image);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public long createWriteFsyncUnlink() throws IOException {
        long written = 0;
        try (PosixFileSystem v = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
            long[] dirs = new long[20];
            for (int d = 0; d < dirs.length; d++) {
                dirs[d] = v.mkdir(Caller.ROOT, 2, name("d" + d), 0755).ino();
            }
            for (int i = 0; i < files; i++) {
                WritableFileSystem.Created c = v.create(Caller.ROOT, dirs[i % dirs.length], name("f" + i), 0644,
                        WritableFileSystem.O_RDWR);
                long ino = c.attributes().ino();
                written += v.write(Caller.ROOT, ino, c.handle(), 0, data, 0, data.length);
                if (i % 100 == 99) {
                    v.fsync(ino, c.handle(), false);
                }
                v.release(ino, c.handle());
            }
            for (int i = 0; i < files; i++) {
                v.unlink(Caller.ROOT, dirs[i % dirs.length], name("f" + i));
            }
        }
        return written;
    }

    private static byte[] name(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
