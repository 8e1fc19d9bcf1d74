package org.ext4j.core.fs;

import static org.ext4j.core.fs.PartsTesting.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link IomapMapping}: a hole is allocated unwritten, and the completion makes it written and moves i_size. */
class IomapMappingTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    @Test
    void aHoleIsMappedUnwrittenThenWrittenAtIoend() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("iomap.img"), "8M", "-b", "4096");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            long ino = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL).attributes().ino();
            assertEquals(List.of(new MappedExtent(0, 8192, -1, MappedExtent.Kind.HOLE)), parts.iomap.mapBlocks(ino, 0, 8192));
            MappedExtent run = parts.iomap.mapForWrite(Caller.ROOT, ino, 0, 8192, true);
            assertEquals(MappedExtent.Kind.UNWRITTEN, run.kind());
            assertEquals(0, run.fileOffset());
            assertEquals(0, parts.inodes.getattr(ino).size(), "i_size waits for the completion");
            assertEquals(8192, parts.iomap.ioend(ino, 0, run.length(), true));
            List<MappedExtent> after = parts.iomap.mapBlocks(ino, 0, 8192);
            assertEquals(MappedExtent.Kind.MAPPED, after.get(0).kind());
            assertEquals(run.deviceOffset(), after.get(0).deviceOffset());
        }
        ImageFactory.requireClean(img);
    }

    @Test
    void anInlineFileHasNoBlocksToMap() throws Exception {
        Path src = Files.createDirectory(dir.resolve("src"));
        Files.write(src.resolve("f"), bytes("tiny"));
        // mke2fs -d stores a file this small inline.
        Path img = ImageFactory.mkfs(dir.resolve("inline.img"), "8M", "-O", "inline_data", "-I", "256", "-d", src.toString());
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            long ino = parts.names.lookup(Caller.ROOT, ROOT, bytes("f")).ino();
            assertEquals(MappedExtent.Kind.INLINE, parts.iomap.mapBlocks(ino, 0, 4).get(0).kind());
            assertEquals(Errno.EOPNOTSUPP, assertThrows(Ext4Exception.class,
                    () -> parts.iomap.mapForWrite(Caller.ROOT, ino, 0, 4, true)).errno());
        }
        ImageFactory.requireClean(img);
    }
}
