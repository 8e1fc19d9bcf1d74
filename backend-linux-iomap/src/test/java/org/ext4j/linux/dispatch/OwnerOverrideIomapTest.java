package org.ext4j.linux.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalLong;
import org.ext4j.core.backend.OwnerOverride;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.protocol.HandBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount with uid=/gid= serves the volume behind {@link OwnerOverride}; the override must not
 * hide the volume's iomap capability: INIT still grants FUSE_IOMAP when the kernel offers it, new
 * files are iomap inodes, and the mounter's IOMAP_BEGIN is carried out as the on-disk owner.
 */
class OwnerOverrideIomapTest {
    static final int INIT = 26, CREATE = 35, IOMAP_BEGIN = 4094, IOMAP_IOEND = 4093;
    static final long FUSE_IOMAP = 1L << 43;
    static final int ATTR_IOMAP = 1 << 3;
    static final int OP_WRITE = 1, OP_DIRECT = 16;
    static final int TYPE_UNWRITTEN = 3;
    static final int IOEND_UNWRITTEN = 2, IOEND_DIRECT = 8, IOEND_APPEND = 16;
    static final int BACKING_ID = 3;
    static final int BS = 4096;
    static final long MOUNTER_UID = 1000, MOUNTER_GID = 100;

    @TempDir
    Path temp;

    long unique = 1;

    @Test
    void anOverriddenOwnerStillNegotiatesIomap() throws Exception {
        Path image = temp.resolve("owned.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-E", "root_owner=1234:5678", image.toString(), "16M"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        byte[] data = "written by the kernel at the mapped address\n".repeat(50).getBytes(StandardCharsets.UTF_8);
        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
                FileChannel device = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            OwnerOverride shown = new OwnerOverride(volume, OptionalLong.of(MOUNTER_UID), OptionalLong.of(MOUNTER_GID));
            FuseDispatcher dispatcher = new FuseDispatcher(shown, DispatchOptions.DEFAULT, new PrintStream(log, true));
            dispatcher.offerIomap(new IomapBacking() {
                @Override
                public int register() {
                    return BACKING_ID;
                }

                @Override
                public boolean kernelSupportsFileIo() {
                    return true;
                }

                @Override
                public void close() {
                }
            });

            FuseDispatcherTest.Reply init = call(dispatcher, INIT, 0, FuseDispatcherTest.initBody(InitNegotiation.IOMAP_MINOR, -1L));
            assertEquals(0, init.error());
            long flags = Integer.toUnsignedLong(init.body().getInt(12)) | Integer.toUnsignedLong(init.body().getInt(32)) << 32;
            assertEquals(FUSE_IOMAP, flags & FUSE_IOMAP, "uid=/gid= must not hide iomap: " + log);

            // The mounter creates a file in the root, which is 1234's on disk and 0755.
            FuseDispatcherTest.Reply created = call(dispatcher, CREATE, 1, HandBytes.start().u32(2 | 0100).u32(0100644)
                    .u32(0).u32(0).bytes("f\0".getBytes(StandardCharsets.UTF_8)).toArray());
            assertEquals(0, created.error(), () -> "CREATE as the shown owner: " + log);
            long ino = created.body().getLong(0);
            assertEquals(MOUNTER_UID, Integer.toUnsignedLong(created.body().getInt(40 + 68)), "shown as the override");
            assertEquals(ATTR_IOMAP, created.body().getInt(40 + 84) & ATTR_IOMAP, "an iomap inode");

            // A direct write of two blocks: mapped as unwritten, written to the device, completed.
            FuseDispatcherTest.Reply begin = call(dispatcher, IOMAP_BEGIN, ino,
                    HandBytes.start().u32(OP_WRITE | OP_DIRECT).u32(0).u64(ino).u64(0).u64(2 * BS).toArray());
            assertEquals(0, begin.error(), () -> "IOMAP_BEGIN as the shown owner: " + log);
            // The write mapping is the second struct fuse_iomap_io (32 bytes each) of the reply.
            assertEquals(TYPE_UNWRITTEN, Short.toUnsignedInt(begin.body().getShort(32 + 24)));
            assertEquals(BACKING_ID, begin.body().getInt(32 + 28));
            long addr = begin.body().getLong(32 + 16);
            byte[] blocks = java.util.Arrays.copyOf(data, 2 * BS);
            writeFully(device, blocks, addr);
            FuseDispatcherTest.Reply end = call(dispatcher, IOMAP_IOEND, ino, HandBytes.start()
                    .u32(IOEND_DIRECT | IOEND_UNWRITTEN | IOEND_APPEND).u32(0).u64(ino).u64(0).u64(addr)
                    .u64(data.length).u32(BACKING_ID).u32(0).toArray());
            assertEquals(0, end.error(), () -> "IOMAP_IOEND: " + log);
            assertEquals(data.length, end.body().getLong(0), "the size after the completion");
        }
        Tools.runOk(List.of("e2fsck", "-fn", image.toString()));
        Debugfs debugfs = new Debugfs(image);
        assertEquals(new String(data, StandardCharsets.UTF_8), new String(debugfs.cat("/f"), StandardCharsets.UTF_8));
        assertEquals(1234, debugfs.stat("/f").uid(), "on disk: the directory's owner");
    }

    private FuseDispatcherTest.Reply call(FuseDispatcher dispatcher, int opcode, long nodeId, byte[] body) {
        long u = unique++;
        FuseDispatcherTest.Reply r = FuseDispatcherTest.Reply.of(
                dispatcher.handle(HandBytes.request(opcode, u, nodeId, MOUNTER_UID, MOUNTER_GID, 0, body)));
        assertEquals(u, r.unique());
        return r;
    }

    private static void writeFully(FileChannel device, byte[] bytes, long at) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long pos = at;
        while (b.hasRemaining()) {
            pos += device.write(b, pos);
        }
    }
}
