package org.ext4j.linux.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.protocol.HandBytes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stx_attributes and stx_attributes_mask in FUSE_STATX replies, against what the kernel's ext4
 * reports for the same inodes (xfs_io statx on a loop mount of the image): the server answers
 * ext4_getattr's attributes and mask; the kernel adds the bits the VFS owns (automount, mount
 * root, dax) itself.
 */
class StatxAttributesTest {
    /** STATX_ATTR_AUTOMOUNT, STATX_ATTR_MOUNT_ROOT and STATX_ATTR_DAX: set by the VFS, never by ext4_getattr. */
    private static final long VFS_ATTRIBUTES = 0x1000 | 0x2000 | 0x200000;
    private static final Pattern ATTRIBUTES = Pattern.compile("stat\\.attributes = (0x[0-9a-f]+)");
    private static final Pattern MASK = Pattern.compile("stat\\.attributes_mask = (0x[0-9a-f]+)");

    @TempDir
    Path temp;

    @BeforeAll
    static void littleEndianRoot() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
        assumeTrue("root".equals(System.getProperty("user.name")), "the kernel oracle is a loop mount");
    }

    @Test
    void statxAttributesAreTheKernelsExt4Ones() throws Exception {
        Tools.require("xfs_io");
        Path image = temp.resolve("statx.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", image.toString(), "16M"));
        Map<String, String> files = new LinkedHashMap<>();
        files.put("plain", "");
        files.put("append", "+a");
        files.put("immutable", "+i");
        files.put("nodump", "+d");
        files.put("all", "+aid");
        files.put("dir-append", "+a");
        StringBuilder shell = new StringBuilder("mkdir dir-append");
        for (Map.Entry<String, String> f : files.entrySet()) {
            if (!f.getKey().startsWith("dir")) {
                shell.append(" && echo x > ").append(f.getKey());
            }
            if (!f.getValue().isEmpty()) {
                shell.append(" && chattr ").append(f.getValue()).append(' ').append(f.getKey());
            }
        }
        for (String name : files.keySet()) {
            shell.append(" && echo '== ").append(name).append("' && xfs_io -r -c 'statx -r' ").append(name);
        }
        String kernel = Tools.onKernelMount(image, temp.resolve("mnt"), "", shell.toString());
        ImageFactory.requireClean(image);

        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY)) {
            FuseDispatcher dispatcher = new FuseDispatcher(volume, DispatchOptions.DEFAULT,
                    new PrintStream(new ByteArrayOutputStream(), true));
            reply(dispatcher, 1, 26, 0, FuseDispatcherTest.initBody(45, -1L));
            long unique = 2;
            for (String name : files.keySet()) {
                String section = kernel.substring(kernel.indexOf("== " + name + "\n"));
                long expectedAttributes = hex(ATTRIBUTES, section);
                long expectedMask = hex(MASK, section) & ~VFS_ATTRIBUTES;
                FuseDispatcherTest.Reply lookup = reply(dispatcher, unique++, 1, 1,
                        (name + "\0").getBytes(StandardCharsets.UTF_8));
                long node = lookup.body().getLong(0);
                // fuse_statx_in: getattr_flags, reserved, fh, sx_flags, sx_mask (what xfs_io asked: STATX_ALL).
                FuseDispatcherTest.Reply statx = reply(dispatcher, unique++, 52, node,
                        HandBytes.start().u32(0).u32(0).u64(0).u32(0).u32(0xfff).toArray());
                assertEquals(expectedAttributes, statx.body().getLong(32 + 8), name + ": stx_attributes");
                assertEquals(expectedMask, statx.body().getLong(32 + 56), name + ": stx_attributes_mask");
            }
            assertNotEquals(0, hex(ATTRIBUTES, kernel.substring(kernel.indexOf("== all\n"))), "the oracle saw flags");
        }
    }

    private static FuseDispatcherTest.Reply reply(FuseDispatcher dispatcher, long unique, int opcode, long node, byte[] body) {
        FuseDispatcherTest.Reply r = FuseDispatcherTest.Reply.of(dispatcher.handle(HandBytes.request(opcode, unique, node, body)));
        assertEquals(0, r.error(), "opcode " + opcode + " of node " + node);
        return r;
    }

    private static long hex(Pattern field, String text) {
        Matcher m = field.matcher(text);
        if (!m.find()) {
            throw new AssertionError("xfs_io printed no " + field.pattern() + " in:\n" + text);
        }
        return Long.decode(m.group(1));
    }
}
