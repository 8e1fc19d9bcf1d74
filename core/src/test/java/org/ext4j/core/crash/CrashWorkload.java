package org.ext4j.core.crash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ext4j.core.testing.WriteRecorder;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * A seeded mix of the operations a crash can interrupt — creates (many in one big directory, so
 * its index splits), writes, appends, overwrites, renames, unlinks, truncates, hole punches,
 * xattrs, mkdir/rmdir, fsyncs and syncfs — run on a volume whose device records every write.
 * Files that were fsync'd are never touched again: each fsync leaves a {@link Promise} that its
 * bytes survive any crash after the fsync returned.
 */
final class CrashWorkload {
    /** After event {@code position} of the recording, file {@code path} must hold {@code content}. */
    record Promise(int position, String path, byte[] content) {
    }

    private record Scratch(long parent, String dir, String name, long ino) {
        String path() {
            return dir + "/" + name;
        }
    }

    private static final Caller ROOT = Caller.ROOT;

    private final PosixFileSystem volume;
    private final WriteRecorder recorder;
    private final Random rnd;
    private final List<Promise> promises = new ArrayList<>();
    private final List<Scratch> scratch = new ArrayList<>();
    private final List<String> emptyDirs = new ArrayList<>();
    private long big;
    private long a;
    private long b;
    private int counter;

    CrashWorkload(PosixFileSystem volume, WriteRecorder recorder, long seed) {
        this.volume = volume;
        this.recorder = recorder;
        this.rnd = new Random(seed);
    }

    List<Promise> promises() {
        return promises;
    }

    /** Runs {@code operations} operations; the caller closes the volume afterwards. */
    void run(int operations) {
        big = volume.mkdir(ROOT, 2, bytes("big"), 0755).ino();
        a = volume.mkdir(ROOT, 2, bytes("a"), 0755).ino();
        b = volume.mkdir(ROOT, 2, bytes("b"), 0700).ino();
        volume.syncfs();
        for (int i = 0; i < operations; i++) {
            step();
        }
    }

    private void step() {
        int r = rnd.nextInt(100);
        if (r < 25 || scratch.isEmpty()) {
            long parent = rnd.nextInt(4) == 0 ? b : big;
            String dir = parent == b ? "/b" : "/big";
            // Long names fill directory blocks quickly, so /big grows an htree and splits leaves.
            String name = String.format("f%05d-%s", counter++, "n".repeat(rnd.nextInt(120)));
            WritableFileSystem.Created c = volume.create(ROOT, parent, bytes(name), 0644, WritableFileSystem.O_RDWR);
            write(c.attributes().ino(), c.handle(), 0, randomBytes(rnd.nextInt(9000)));
            volume.release(c.attributes().ino(), c.handle());
            scratch.add(new Scratch(parent, dir, name, c.attributes().ino()));
        } else if (r < 35) {
            String name = "sealed" + counter++;
            byte[] content = randomBytes(1 + rnd.nextInt(20000));
            WritableFileSystem.Created c = volume.create(ROOT, a, bytes(name), 0600, WritableFileSystem.O_RDWR);
            write(c.attributes().ino(), c.handle(), 0, content);
            volume.fsync(c.attributes().ino(), c.handle(), false);
            promises.add(new Promise(recorder.position(), "/a/" + name, content));
            volume.release(c.attributes().ino(), c.handle());
        } else if (r < 45) {
            Scratch s = pick();
            long size = volume.getattr(s.ino()).size();
            withHandle(s, h -> write(s.ino(), h, size, randomBytes(1 + rnd.nextInt(6000))));
        } else if (r < 53) {
            Scratch s = scratch.remove(rnd.nextInt(scratch.size()));
            boolean toB = rnd.nextBoolean();
            String name = "r" + counter++;
            volume.rename(ROOT, s.parent(), bytes(s.name()), toB ? b : big, bytes(name), 0);
            scratch.add(new Scratch(toB ? b : big, toB ? "/b" : "/big", name, s.ino()));
        } else if (r < 61) {
            Scratch s = scratch.remove(rnd.nextInt(scratch.size()));
            volume.unlink(ROOT, s.parent(), bytes(s.name()));
        } else if (r < 67) {
            Scratch s = pick();
            withHandle(s, h -> volume.setattr(ROOT, s.ino(), h, SetAttr.truncate(rnd.nextInt(12000))));
        } else if (r < 72) {
            Scratch s = pick();
            long size = volume.getattr(s.ino()).size();
            if (size > 0) {
                withHandle(s, h -> volume.fallocate(ROOT, s.ino(), h, WritableFileSystem.FALLOC_FL_KEEP_SIZE
                        | WritableFileSystem.FALLOC_FL_PUNCH_HOLE, rnd.nextInt((int) size), 1 + rnd.nextInt(8192)));
            }
        } else if (r < 78) {
            Scratch s = pick();
            volume.setxattr(ROOT, s.ino(), "user.k" + rnd.nextInt(3), randomBytes(10 + rnd.nextInt(300)), 0);
        } else if (r < 83) {
            if (!emptyDirs.isEmpty() && rnd.nextBoolean()) {
                String name = emptyDirs.remove(rnd.nextInt(emptyDirs.size()));
                volume.rmdir(ROOT, a, bytes(name));
            } else {
                String name = "d" + counter++;
                volume.mkdir(ROOT, a, bytes(name), 0755);
                emptyDirs.add(name);
            }
        } else if (r < 90) {
            Scratch s = pick();
            long size = volume.getattr(s.ino()).size();
            withHandle(s, h -> write(s.ino(), h, size == 0 ? 0 : rnd.nextInt((int) size), randomBytes(1 + rnd.nextInt(5000))));
        } else if (r < 95) {
            volume.syncfs();
        } else {
            Scratch s = pick();
            withHandle(s, h -> volume.fsync(s.ino(), h, rnd.nextBoolean()));
        }
    }

    private Scratch pick() {
        return scratch.get(rnd.nextInt(scratch.size()));
    }

    private interface HandleUse {
        void accept(long handle);
    }

    private void withHandle(Scratch s, HandleUse use) {
        long h = volume.open(ROOT, s.ino(), WritableFileSystem.O_RDWR);
        try {
            use.accept(h);
        } finally {
            volume.release(s.ino(), h);
        }
    }

    private void write(long ino, long handle, long offset, byte[] data) {
        int done = 0;
        while (done < data.length) {
            int n = volume.write(ROOT, ino, handle, offset + done, data, done, data.length - done);
            if (n <= 0) {
                throw new Ext4Exception(org.ext4j.core.spi.Errno.EIO, "short write of " + n + " bytes");
            }
            done += n;
        }
    }

    private byte[] randomBytes(int n) {
        byte[] out = new byte[n];
        rnd.nextBytes(out);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
