package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.io.ForwardingBlockDevice;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a commit fails (the device refuses writes) the volume refuses changes with EROFS, as the
 * kernel's ext4 does after a journal abort, but reads keep working: the access time a read would
 * move is skipped instead of failing the read.
 */
class FailedCommitReadTest {
    /** Passes everything through until told to fail writes and flushes. */
    static final class FailingDevice extends ForwardingBlockDevice {
        volatile boolean fail;

        FailingDevice(BlockDevice inner) {
            super(inner);
        }

        @Override
        public void write(long offset, byte[] src, int srcOff, int len) throws IOException {
            if (fail) {
                throw new IOException("injected write failure");
            }
            super.write(offset, src, srcOff, len);
        }

        @Override
        public void flush() throws IOException {
            if (fail) {
                throw new IOException("injected flush failure");
            }
            super.flush();
        }
    }

    @TempDir
    Path dir;

    @Test
    void readsStillWorkAfterAFailedCommitWhileChangesGetErofs() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        byte[] content = "readable after a failed commit\n".getBytes(StandardCharsets.UTF_8);
        Files.write(src.resolve("f"), content);
        Path img = dir.resolve("t.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-d", src.toString(), img.toString(), "16M"));
        FailingDevice device = new FailingDevice(FileBlockDevice.open(img, false));
        Ext4FileSystem fs = Ext4FileSystem.open(device, OpenOptions.READ_WRITE);
        PosixFileSystem volume = PosixFileSystem.of(fs);
        Attributes f = volume.lookup(Caller.ROOT, 2, "f".getBytes(StandardCharsets.UTF_8));
        volume.mkdir(Caller.ROOT, 2, "d".getBytes(StandardCharsets.UTF_8), 0755);
        device.fail = true;
        assertEquals(Errno.EIO, assertThrows(Ext4Exception.class, volume::syncfs).errno());
        assertEquals(Errno.EROFS, assertThrows(Ext4Exception.class,
                () -> volume.mkdir(Caller.ROOT, 2, "e".getBytes(StandardCharsets.UTF_8), 0755)).errno());
        // The file's atime (set by mkfs) is older than its mtime, so relatime would update it on this read.
        long h = volume.open(Caller.ROOT, f.ino(), 0);
        byte[] buf = new byte[content.length + 10];
        int n = volume.read(f.ino(), h, 0, buf, 0, buf.length);
        assertArrayEquals(content, java.util.Arrays.copyOf(buf, n));
        volume.release(f.ino(), h);
        assertThrows(IOException.class, volume::close, "a close after a failed commit is not clean");
    }
}
