package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write timestamps at the kernel's granularity: writes within one tick of the coarse clock leave
 * mtime and ctime as the first of them set them, unless the attributes were read in between
 * (multigrain timestamps); a write a tick later moves them. Checked through getattr and, after
 * the volume is closed, with debugfs on the image.
 */
class WriteTimesTest {
    private static final Instant START = Instant.parse("2025-06-01T10:00:00.100000000Z");
    private static final byte[] DATA = "0123456789".getBytes();

    @TempDir
    Path dir;

    @Test
    void writesWithinATickKeepTheFirstTimeUnlessSomebodyLooked() throws Exception {
        Path image = ImageFactory.shared().copyOf(ImageFactory.Variant.EXT4, dir);
        ManualClock clock = new ManualClock(START);
        long quiet;
        long watched;
        long later;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(image, false), OpenOptions.READ_WRITE);
                PosixFileSystem vol = PosixFileSystem.of(fs, clock)) {
            quiet = createFile(vol, "quiet");
            watched = createFile(vol, "watched");
            later = createFile(vol, "later");

            clock.set(START.plusMillis(1));
            write(vol, quiet, 0);
            write(vol, watched, 0);
            write(vol, later, 0);

            clock.set(START.plusMillis(2));
            write(vol, quiet, 10);
            vol.getattr(watched);
            write(vol, watched, 10);
            clock.set(START.plusMillis(1).plusNanos(WriteTimes.TICK_NANOS));
            write(vol, later, 10);

            assertEquals(at(START.plusMillis(1)), vol.getattr(quiet).mtime(), "no stat between two writes in one tick");
            assertEquals(at(START.plusMillis(2)), vol.getattr(watched).mtime(), "a stat between them");
            assertEquals(at(START.plusMillis(1).plusNanos(WriteTimes.TICK_NANOS)), vol.getattr(later).ctime(),
                    "a tick apart");
            assertEquals(20, vol.getattr(quiet).size());
        }
        ImageFactory.requireClean(image);
        // The oracle: the times as debugfs reads them from the image.
        Debugfs debugfs = new Debugfs(image);
        assertEquals(START.plusMillis(1), debugfs.stat("/quiet").mtime());
        assertEquals(START.plusMillis(2), debugfs.stat("/watched").mtime());
        assertEquals(START.plusMillis(1).plusNanos(WriteTimes.TICK_NANOS), debugfs.stat("/later").ctime());
    }

    private static long createFile(PosixFileSystem vol, String name) {
        WritableFileSystem.Created c = vol.create(Caller.ROOT, InodeFileSystem.ROOT_INO, name.getBytes(), 0644,
                WritableFileSystem.O_WRONLY);
        vol.release(c.attributes().ino(), c.handle());
        return c.attributes().ino();
    }

    private static void write(PosixFileSystem vol, long ino, long offset) {
        long handle = vol.open(Caller.ROOT, ino, WritableFileSystem.O_WRONLY);
        vol.write(Caller.ROOT, ino, handle, offset, DATA, 0, DATA.length);
        vol.release(ino, handle);
    }

    private static Timestamp at(Instant instant) {
        return new Timestamp(instant.getEpochSecond(), instant.getNano());
    }
}
