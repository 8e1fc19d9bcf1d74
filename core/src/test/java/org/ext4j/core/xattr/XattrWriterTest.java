package org.ext4j.core.xattr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.tx.TransactionManager;
import org.ext4j.core.xattr.XattrWriter.SetMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Xattrs and ACLs written by ext4j into images made by mkfs.ext4, compared with debugfs
 * (ea_list / ea_get), with the kernel (a loop mount read with getfattr and getfacl) and checked
 * by e2fsck; shared blocks are made by the kernel's own mbcache sharing.
 */
class XattrWriterTest {
    private static final List<String> FILES = List.of("/f0", "/f1", "/f2", "/d");

    @TempDir
    Path dir;

    /** An image with files f0..f2 and directory d, made by mkfs.ext4 -d with {@code options}. */
    private Path image(String size, String... options) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        for (int i = 0; i < 3; i++) {
            Files.writeString(src.resolve("f" + i), "file " + i + "\n");
        }
        Files.createDirectories(src.resolve("d"));
        Path img = dir.resolve("x.img");
        List<String> opts = new ArrayList<>(List.of(options));
        if (!opts.contains("-b")) {
            opts.addAll(List.of("-b", "4096"));
        }
        opts.addAll(List.of("-t", "ext4", "-d", src.toString()));
        ImageFactory.mkfs(img, size, opts.toArray(new String[0]));
        return img;
    }

    private static void fsckClean(Path img) throws Exception {
        ImageFactory.requireClean(img);
    }

    /** Opens {@code img} read-write and runs {@code body}. */
    private static void withFs(Path img, Consumer<Session> body) throws IOException {
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            body.accept(new Session(fs, tm, new XattrWriter(new BlockAllocator(new GroupAccounting(fs)))));
        }
    }

    private record Session(Ext4FileSystem fs, TransactionManager tm, XattrWriter writer) {
        /** Runs {@code op} in its own transaction, committed on success, aborted when it throws. */
        void tx(Consumer<Transaction> op) {
            Transaction tx = tm.begin();
            try {
                op.accept(tx);
                tx.commit();
            } finally {
                tx.close();
            }
        }

        /** Committed xattrs of {@code ino}: full name to value, ACLs in the VFS form. */
        Map<String, byte[]> committed(long ino) {
            return view(new XattrReader(fs), fs.inode(ino));
        }
    }

    private static Map<String, byte[]> view(XattrReader reader, Inode inode) {
        Map<String, byte[]> out = new TreeMap<>();
        for (XattrEntry e : reader.list(inode)) {
            byte[] v = reader.value(inode, e);
            int idx = e.name().index();
            if (idx == XattrNameIndex.POSIX_ACL_ACCESS || idx == XattrNameIndex.POSIX_ACL_DEFAULT) {
                v = PosixAcl.fromDisk(v).toXattr();
            }
            assertTrue(out.put(e.fullName(), v) == null, "duplicate " + e.fullName());
        }
        return out;
    }

    private static Map<String, byte[]> debugfsView(Path img, String path) {
        Map<String, byte[]> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : new Debugfs(img).eaList(path).entrySet()) {
            byte[] v = e.getValue();
            if (e.getKey().startsWith("system.posix_acl")) {
                // debugfs writes 0 where the kernel writes ACL_UNDEFINED_ID: compare decoded.
                v = PosixAcl.fromXattr(v).toXattr();
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    private static void assertSameXattrs(Map<String, byte[]> expected, Map<String, byte[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": names");
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k), actual.get(k), what + ": value of " + k);
        }
    }

    /** getfattr -d -m - -e hex of each path on a kernel loop mount: path to (name to value). */
    private Map<String, Map<String, byte[]>> kernelView(Path img, List<String> paths) throws Exception {
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Tools.runOk(List.of("mount", "-o", "loop,ro", img.toString(), mnt.toString()));
        Map<String, Map<String, byte[]>> out = new LinkedHashMap<>();
        try {
            for (String p : paths) {
                Map<String, byte[]> m = new TreeMap<>();
                String text = Tools.runOk(List.of("getfattr", "-d", "-m", "-", "-e", "hex", "--absolute-names", mnt + p)).stdout();
                Matcher matcher = Pattern.compile("(?m)^([^#=\\s][^=]*)=?(0x[0-9a-f]*)?$").matcher(text);
                while (matcher.find()) {
                    String hex = matcher.group(2) == null ? "" : matcher.group(2).substring(2);
                    m.put(matcher.group(1), HexFormat.of().parseHex(hex));
                }
                out.put(p, m);
            }
        } finally {
            Tools.runOk(List.of("umount", mnt.toString()));
        }
        return out;
    }

    private static byte[] value(Random rnd, int size) {
        byte[] v = new byte[size];
        rnd.nextBytes(v);
        return v;
    }

    /**
     * Hundreds of random sets, replaces and removes in all namespaces, of sizes from 0 bytes to
     * most of a block, each in its own transaction: the outcome (or errno) follows a model, a
     * failed operation changes nothing, and the result matches debugfs, the kernel and e2fsck.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "-I 128", "-O ^metadata_csum", "-b 1024"})
    void randomOperationsMatchModelDebugfsAndKernel(String options) throws Exception {
        Path img = image("32M", options.isEmpty() ? new String[0] : options.split(" "));
        long[] inos = new long[FILES.size()];
        for (int i = 0; i < inos.length; i++) {
            inos[i] = new Debugfs(img).stat(FILES.get(i)).ino();
        }
        Map<Long, Map<String, byte[]>> model = new TreeMap<>();
        String[] namespaces = {"user.", "trusted.", "security.", "gnu."};
        int[] sizes = {0, 1, 3, 4, 5, 17, 40, 64, 100, 250, 600, 1000, 1500, 2500, 3900};
        int[] outcomes = new int[4];
        withFs(img, s -> {
            Random rnd = new Random(options.hashCode());
            for (long ino : inos) {
                model.put(ino, s.committed(ino));
            }
            for (int op = 0; op < 300; op++) {
                long ino = inos[rnd.nextInt(inos.length)];
                Map<String, byte[]> m = model.get(ino);
                String name = namespaces[rnd.nextInt(namespaces.length)]
                        + (rnd.nextInt(20) == 0 ? "long-" + "n".repeat(150 + rnd.nextInt(90)) : "a" + rnd.nextInt(4));
                boolean remove = rnd.nextInt(5) == 0;
                SetMode mode = SetMode.values()[rnd.nextInt(3)];
                // Mostly small values, so that tables fill up over many operations.
                byte[] v = value(rnd, sizes[rnd.nextInt(rnd.nextInt(4) == 0 ? sizes.length : 9)]);
                boolean present = m.containsKey(name);
                Errno expected = remove ? (present ? null : Errno.ENODATA)
                        : present && mode == SetMode.CREATE_ONLY ? Errno.EEXIST
                        : !present && mode == SetMode.REPLACE_ONLY ? Errno.ENODATA : null;
                try {
                    s.tx(tx -> {
                        if (remove) {
                            s.writer().remove(tx, ino, name);
                        } else {
                            s.writer().set(tx, ino, name, v, mode);
                        }
                        // The transaction sees its change before commit; others do not.
                        Map<String, byte[]> inTx = view(XattrReader.of(tx), InodeStore.read(tx, ino));
                        assertEquals(!remove, inTx.containsKey(name));
                        assertEquals(present, s.committed(ino).containsKey(name));
                    });
                    assertEquals(null, expected, "op " + op + " on " + name + " should have failed");
                    if (remove) {
                        m.remove(name);
                    } else {
                        m.put(name, v);
                    }
                    outcomes[0]++;
                } catch (Ext4Exception e) {
                    if (e.errno() == Errno.ENOSPC && expected == null && !remove) {
                        outcomes[3]++;
                    } else {
                        assertEquals(expected, e.errno(), "op " + op + " on " + name + ": " + e.getMessage());
                        outcomes[e.errno() == Errno.EEXIST ? 1 : 2]++;
                    }
                }
                assertSameXattrs(m, s.committed(ino), "op " + op + " inode " + ino);
            }
        });
        assertTrue(outcomes[0] > 120 && outcomes[1] > 0 && outcomes[2] > 0 && outcomes[3] > 0,
                "successes, EEXIST, ENODATA, ENOSPC: " + Arrays.toString(outcomes));
        fsckClean(img);
        for (int i = 0; i < inos.length; i++) {
            assertSameXattrs(model.get(inos[i]), debugfsView(img, FILES.get(i)), "debugfs " + FILES.get(i));
        }
        Map<String, Map<String, byte[]>> kernel = kernelView(img, FILES);
        for (int i = 0; i < inos.length; i++) {
            assertSameXattrs(model.get(inos[i]), kernel.get(FILES.get(i)), "kernel " + FILES.get(i));
        }
    }

    /** An entry lives in the body while it fits, moves to the block as it grows and back as it shrinks; the empty block is freed. */
    @Test
    void entryMovesBetweenBodyAndBlock() throws Exception {
        Path img = image("32M");
        long ino = new Debugfs(img).stat("/f0").ino();
        long freeBefore = freeBlocks(img);
        withFs(img, s -> {
            s.tx(tx -> s.writer().set(tx, ino, "user.x", new byte[10], SetMode.CREATE_OR_REPLACE));
            assertEquals(XattrEntry.Location.INODE_BODY, location(s, ino, "user.x"));
            assertEquals(0, s.fs().inode(ino).fileAcl());
            s.tx(tx -> s.writer().set(tx, ino, "user.x", new byte[300], SetMode.REPLACE_ONLY));
            assertEquals(XattrEntry.Location.BLOCK, location(s, ino, "user.x"));
            assertNotEquals(0, s.fs().inode(ino).fileAcl());
            assertTrue(new XattrReader(s.fs()).inodeBody(s.fs().inode(ino)).isEmpty());
            s.tx(tx -> s.writer().set(tx, ino, "user.x", "small".getBytes(StandardCharsets.UTF_8), SetMode.REPLACE_ONLY));
            assertEquals(XattrEntry.Location.INODE_BODY, location(s, ino, "user.x"));
            assertEquals(0, s.fs().inode(ino).fileAcl(), "the emptied block is released");
        });
        fsckClean(img);
        assertEquals(freeBefore, freeBlocks(img));
        assertArrayEquals("small".getBytes(StandardCharsets.UTF_8), debugfsView(img, "/f0").get("user.x"));
    }

    private static XattrEntry.Location location(Session s, long ino, String name) {
        return new XattrReader(s.fs()).find(s.fs().inode(ino), XattrName.parse(name)).orElseThrow().location();
    }

    private static long freeBlocks(Path img) throws Exception {
        return Long.parseLong(Tools.dumpe2fsField(img, "Free blocks"));
    }

    /** Block entries are kept sorted by index, name length and name, as the kernel keeps them. */
    @Test
    void blockEntriesAreSortedAndHashed() throws Exception {
        Path img = image("32M", "-I", "128");
        long ino = new Debugfs(img).stat("/f1").ino();
        String[] names = {"user.zz", "trusted.b", "user.a", "security.selinux", "user.bb", "user.ab"};
        withFs(img, s -> {
            for (String n : names) {
                s.tx(tx -> s.writer().set(tx, ino, n, n.getBytes(StandardCharsets.UTF_8), SetMode.CREATE_ONLY));
            }
            XattrBlock block = XattrBlock.read(s.fs(), s.fs().inode(ino));
            List<String> order = new ArrayList<>();
            for (XattrEntry e : block.entries()) {
                order.add(e.fullName());
                assertEquals(XattrHash.entryHash(e.name().suffix(), e.tableValue()), e.hash(), e.fullName());
            }
            assertEquals(List.of("user.a", "user.ab", "user.bb", "user.zz", "trusted.b", "security.selinux"), order);
            assertEquals(XattrHash.blockHash(block.entries()), block.hash());
            assertEquals(1, block.refcount());
        });
        fsckClean(img);
    }

    /** The errors of setxattr and removexattr, each leaving the image as it was. */
    @Test
    void errorsChangeNothing() throws Exception {
        Path img = image("32M");
        long ino = new Debugfs(img).stat("/f0").ino();
        withFs(img, s -> {
            s.tx(tx -> s.writer().set(tx, ino, "user.keep", new byte[500], SetMode.CREATE_ONLY));
            Map<String, byte[]> before = s.committed(ino);
            long fileAcl = s.fs().inode(ino).fileAcl();
            Object[][] cases = {
                {Errno.ERANGE, "user." + "x".repeat(251), new byte[1], SetMode.CREATE_OR_REPLACE},
                {Errno.ERANGE, "", new byte[1], SetMode.CREATE_OR_REPLACE},
                {Errno.EOPNOTSUPP, "foo.bar", new byte[1], SetMode.CREATE_OR_REPLACE},
                {Errno.EOPNOTSUPP, "system.foo", new byte[1], SetMode.CREATE_OR_REPLACE},
                {Errno.EOPNOTSUPP, "system.data", new byte[1], SetMode.CREATE_OR_REPLACE},
                {Errno.EINVAL, "user.", new byte[1], SetMode.CREATE_OR_REPLACE},
                {Errno.E2BIG, "user.huge", new byte[65537], SetMode.CREATE_OR_REPLACE},
                {Errno.EEXIST, "user.keep", new byte[1], SetMode.CREATE_ONLY},
                {Errno.ENODATA, "user.absent", new byte[1], SetMode.REPLACE_ONLY},
                {Errno.ENOSPC, "user.big", new byte[4000], SetMode.CREATE_OR_REPLACE},
                {Errno.ENOSPC, "user.keep", new byte[4090], SetMode.REPLACE_ONLY},
            };
            for (Object[] c : cases) {
                Ext4Exception e = assertThrows(Ext4Exception.class, () -> s.tx(tx -> s.writer().set(tx, ino, (String) c[1], (byte[]) c[2], (SetMode) c[3])),
                        String.valueOf(c[1]));
                assertEquals(c[0], e.errno(), e.getMessage());
            }
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> s.tx(tx -> s.writer().remove(tx, ino, "user.absent")));
            assertEquals(Errno.ENODATA, e.errno());
            assertSameXattrs(before, s.committed(ino), "after errors");
            assertEquals(fileAcl, s.fs().inode(ino).fileAcl());
            // The largest value one block takes: 4096 - 32 header - 16 entry ("big" padded to 4) - 4 terminator.
            s.tx(tx -> s.writer().remove(tx, ino, "user.keep"));
            s.tx(tx -> s.writer().set(tx, ino, "user.big", new byte[4096 - 32 - 20 - 4], SetMode.CREATE_ONLY));
            assertThrows(Ext4Exception.class, () -> s.tx(tx -> s.writer().set(tx, ino, "user.big", new byte[4096 - 32 - 20 - 3], SetMode.REPLACE_ONLY)));
        });
        fsckClean(img);
    }

    /**
     * Two files whose xattr block the kernel shares (mbcache) change independently: the changed
     * one gets a copy, the shared block loses a reference; releasing the last reference frees it.
     */
    @Test
    void sharedBlockIsCopiedOnWrite() throws Exception {
        Path img = image("32M");
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        String big = "0x" + "ab".repeat(1000);
        Tools.runOk(List.of("mount", "-o", "loop", img.toString(), mnt.toString()));
        try {
            for (String f : List.of("f0", "f1", "f2")) {
                Tools.runOk(List.of("setfattr", "-n", "user.shared", "-v", big, mnt.resolve(f).toString()));
            }
        } finally {
            Tools.runOk(List.of("umount", mnt.toString()));
        }
        long[] inos = {new Debugfs(img).stat("/f0").ino(), new Debugfs(img).stat("/f1").ino(), new Debugfs(img).stat("/f2").ino()};
        byte[] shared = new byte[1000];
        Arrays.fill(shared, (byte) 0xab);
        long freeBefore = freeBlocks(img);
        withFs(img, s -> {
            long blk = s.fs().inode(inos[0]).fileAcl();
            assertTrue(blk != 0 && blk == s.fs().inode(inos[1]).fileAcl() && blk == s.fs().inode(inos[2]).fileAcl(),
                    "the kernel shares one block among the three files");
            assertEquals(3, XattrBlock.read(s.fs(), s.fs().inode(inos[0])).refcount());
            s.tx(tx -> s.writer().set(tx, inos[0], "user.shared", "mine".repeat(100).getBytes(StandardCharsets.UTF_8), SetMode.REPLACE_ONLY));
            long copy = s.fs().inode(inos[0]).fileAcl();
            assertNotEquals(blk, copy);
            assertEquals(1, XattrBlock.read(s.fs(), s.fs().inode(inos[0])).refcount());
            assertEquals(2, XattrBlock.read(s.fs(), s.fs().inode(inos[1])).refcount());
            assertArrayEquals(shared, s.committed(inos[1]).get("user.shared"));
            // Removing the only entry of a shared block drops the reference, frees nothing.
            s.tx(tx -> s.writer().remove(tx, inos[1], "user.shared"));
            assertEquals(0, s.fs().inode(inos[1]).fileAcl());
            assertEquals(1, XattrBlock.read(s.fs(), s.fs().inode(inos[2])).refcount());
            assertArrayEquals(shared, s.committed(inos[2]).get("user.shared"));
            // dropAll on the last holder frees the block; on the copy too.
            s.tx(tx -> s.writer().dropAll(tx, inos[2]));
            s.tx(tx -> s.writer().dropAll(tx, inos[0]));
            assertEquals(0, s.fs().inode(inos[2]).fileAcl());
            assertEquals(Map.of(), s.committed(inos[2]));
        });
        fsckClean(img);
        assertEquals(freeBefore + 1, freeBlocks(img), "both blocks freed, the shared one counted before");
        assertEquals(Map.of(), debugfsView(img, "/f1"));
    }

    /** ACLs in the VFS form: validated like the kernel, stored in ext4's form, mode bits updated, checked with getfacl. */
    @Test
    void posixAcls() throws Exception {
        Path img = image("32M");
        long f = new Debugfs(img).stat("/f0").ino();
        long g = new Debugfs(img).stat("/f1").ino();
        long d = new Debugfs(img).stat("/d").ino();
        long u = PosixAcl.ACL_UNDEFINED_ID;
        byte[] named = acl(1, 7, u, 2, 5, 1000, 2, 4, 999, 4, 4, u, 8, 6, 50, 0x10, 5, u, 0x20, 1, u);
        byte[] plain = acl(1, 6, u, 4, 0, u, 0x20, 0, u);
        byte[] dflt = acl(1, 7, u, 4, 5, u, 8, 7, 10, 0x10, 7, u, 0x20, 5, u);
        withFs(img, s -> {
            s.tx(tx -> s.writer().set(tx, f, XattrWriter.POSIX_ACL_ACCESS, named, SetMode.CREATE_ONLY));
            assertEquals(0100751, s.fs().inode(f).mode(), "owner rwx, group = mask r-x, other --x");
            assertArrayEquals(named, s.committed(f).get(XattrWriter.POSIX_ACL_ACCESS));
            assertArrayEquals(PosixAcl.fromXattr(named).toDisk(), new XattrReader(s.fs()).get(s.fs().inode(f), XattrWriter.POSIX_ACL_ACCESS).orElseThrow());
            // An ACL the mode says all about is not stored; the mode takes its bits.
            s.tx(tx -> s.writer().set(tx, g, XattrWriter.POSIX_ACL_ACCESS, plain, SetMode.CREATE_OR_REPLACE));
            assertEquals(0100600, s.fs().inode(g).mode());
            assertFalse(s.committed(g).containsKey(XattrWriter.POSIX_ACL_ACCESS));
            s.tx(tx -> s.writer().set(tx, d, XattrWriter.POSIX_ACL_DEFAULT, dflt, SetMode.CREATE_OR_REPLACE));
            assertArrayEquals(dflt, s.committed(d).get(XattrWriter.POSIX_ACL_DEFAULT));
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> s.tx(tx -> s.writer().set(tx, f, XattrWriter.POSIX_ACL_DEFAULT, dflt, SetMode.CREATE_OR_REPLACE)));
            assertEquals(Errno.EACCES, e.errno());
            byte[][] invalid = {
                acl(1, 6, u, 2, 4, 7, 4, 4, u, 0x20, 4, u),                 // named user without mask
                acl(1, 6, u, 0x20, 4, u),                                   // no group
                acl(1, 6, u, 4, 4, u),                                      // no other
                acl(1, 6, u, 1, 6, u, 4, 4, u, 0x20, 4, u),                 // owner twice
                acl(4, 4, u, 1, 6, u, 0x20, 4, u),                          // group before owner
                acl(1, 6, u, 2, 4, u, 4, 4, u, 0x10, 4, u, 0x20, 4, u),     // named user without an id
                acl(1, 6, u, 4, 4, u, 0x40, 4, u, 0x20, 4, u),              // unknown tag
                acl(1, 8, u, 4, 4, u, 0x20, 4, u),                          // bad permission bit
                Arrays.copyOf(plain, plain.length - 1),                     // truncated entry
            };
            for (byte[] bad : invalid) {
                Ext4Exception x = assertThrows(Ext4Exception.class, () -> s.tx(tx -> s.writer().set(tx, g, XattrWriter.POSIX_ACL_ACCESS, bad, SetMode.CREATE_OR_REPLACE)));
                assertEquals(Errno.EINVAL, x.errno(), HexFormat.of().formatHex(bad));
            }
            // The kernel neither sorts nor de-duplicates named entries; neither do we.
            byte[] unsorted = acl(1, 6, u, 2, 4, 1001, 2, 4, 1000, 4, 4, u, 0x10, 4, u, 0x20, 4, u);
            s.tx(tx -> s.writer().set(tx, g, XattrWriter.POSIX_ACL_ACCESS, unsorted, SetMode.CREATE_OR_REPLACE));
            assertEquals(0100644, s.fs().inode(g).mode());
            assertEquals(0100644, XattrWriter.modeFromAcl(0100000, unsorted));
        });
        fsckClean(img);
        assertArrayEquals(named, debugfsView(img, "/f0").get(XattrWriter.POSIX_ACL_ACCESS));
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Tools.runOk(List.of("mount", "-o", "loop,ro", img.toString(), mnt.toString()));
        try {
            // getfacl shows named entries sorted, whatever their stored order.
            assertEquals("user::rwx\nuser:999:r--\nuser:1000:r-x\ngroup::r--\ngroup:50:rw-\nmask::r-x\nother::--x\n\n",
                    Tools.runOk(List.of("getfacl", "-n", "-E", "--omit-header", "-a", mnt.resolve("f0").toString())).stdout());
            assertEquals("user::rw-\nuser:1000:r--\nuser:1001:r--\ngroup::r--\nmask::r--\nother::r--\n\n",
                    Tools.runOk(List.of("getfacl", "-n", "-E", "--omit-header", "-a", mnt.resolve("f1").toString())).stdout());
            assertEquals("user::rwx\ngroup::r-x\ngroup:10:rwx\nmask::rwx\nother::r-x\n\n",
                    Tools.runOk(List.of("getfacl", "-n", "-E", "--omit-header", "-d", mnt.resolve("d").toString())).stdout());
        } finally {
            Tools.runOk(List.of("umount", mnt.toString()));
        }
        // Removing: an empty value removes the ACL, as setxattr with size 0 does.
        withFs(img, s -> {
            s.tx(tx -> s.writer().set(tx, f, XattrWriter.POSIX_ACL_ACCESS, new byte[0], SetMode.CREATE_OR_REPLACE));
            s.tx(tx -> s.writer().remove(tx, d, XattrWriter.POSIX_ACL_DEFAULT));
            assertEquals(Map.of(), s.committed(f));
            assertEquals(Map.of(), s.committed(d));
        });
        fsckClean(img);
    }

    /** A VFS-form ACL from (tag, perm, id) triples. */
    private static byte[] acl(long... t) {
        byte[] out = new byte[4 + t.length / 3 * 8];
        out[0] = 2;
        for (int i = 0; i < t.length / 3; i++) {
            int p = 4 + i * 8;
            out[p] = (byte) t[3 * i];
            out[p + 2] = (byte) t[3 * i + 1];
            org.ext4j.core.disk.LittleEndian.put32(out, p + 4, t[3 * i + 2]);
        }
        return out;
    }
}
