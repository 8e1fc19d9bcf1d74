package org.ext4j.core.xattr;

import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Xattrs and ACLs read by ext4j from images that mkfs.ext4 -d populated from a source tree whose
 * xattrs the host kernel stored; compared with debugfs, the source tree and getfacl on a kernel mount.
 */
class XattrReaderTest {
    @TempDir
    static Path dir;
    static Path src;
    static Path img;
    /** file name → user xattrs set on the source file (name without "user." → value). */
    static final Map<String, Map<String, byte[]>> USER_XATTRS = new TreeMap<>();
    static boolean haveAclTools;

    @BeforeAll
    static void buildImage() throws Exception {
        src = Files.createDirectory(dir.resolve("src"));
        Map<String, byte[]> small = new TreeMap<>();
        small.put("small", "hello".getBytes(StandardCharsets.UTF_8));
        USER_XATTRS.put("small", small);

        Map<String, byte[]> big = new TreeMap<>();
        big.put("big", pattern(3000, 7));
        USER_XATTRS.put("big", big);

        Map<String, byte[]> many = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            many.put(String.format("attr%02d", i), ("value-" + i + "-").repeat(i % 7 + 1).getBytes(StandardCharsets.UTF_8));
        }
        USER_XATTRS.put("many", many);

        Map<String, byte[]> bin = new TreeMap<>();
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        bin.put("bin", all);
        bin.put("empty", new byte[0]);
        USER_XATTRS.put("bin", bin);

        for (Map.Entry<String, Map<String, byte[]>> f : USER_XATTRS.entrySet()) {
            Path p = Files.writeString(src.resolve(f.getKey()), "content of " + f.getKey());
            UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
            for (Map.Entry<String, byte[]> x : f.getValue().entrySet()) {
                view.write(x.getKey(), ByteBuffer.wrap(x.getValue()));
            }
        }
        Files.writeString(src.resolve("plain"), "no xattrs");

        haveAclTools = Tools.available("setfacl") && Tools.available("setfattr") && Tools.available("getfacl");
        if (haveAclTools) {
            Path acl = Files.writeString(src.resolve("acl"), "acl file");
            Tools.runOk(List.of("setfacl", "-m", "u:1000:r--,g:2000:rw-,u:1005:rwx", acl.toString()));
            Tools.runOk(List.of("setfattr", "-n", "trusted.t1", "-v", "trusted-value", acl.toString()));
            Tools.runOk(List.of("setfattr", "-n", "security.s1", "-v", "security-value", acl.toString()));
            Path d = Files.createDirectory(src.resolve("dir"));
            Tools.runOk(List.of("setfacl", "-d", "-m", "u:1001:rwx,g:3000:r-x", d.toString()));
            Tools.runOk(List.of("setfacl", "-m", "u:1002:r-x", d.toString()));
        }
        img = dir.resolve("x.img");
        ImageFactory.mkfs(img, "32M", "-t", "ext4", "-b", "4096", "-I", "256", "-d", src.toString());
    }

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Ext4FileSystem open(Path image) throws IOException {
        return Ext4FileSystem.open(FileBlockDevice.open(image, true), OpenOptions.READ_ONLY);
    }

    static List<String> allFiles() {
        List<String> files = new ArrayList<>(USER_XATTRS.keySet());
        files.add("plain");
        if (haveAclTools) {
            files.add("acl");
            files.add("dir");
        }
        return files;
    }

    @Test
    void namesAndRawValuesMatchDebugfs() throws Exception {
        try (Ext4FileSystem fs = open(img)) {
            XattrReader reader = new XattrReader(fs);
            for (String f : allFiles()) {
                Inode inode = fs.inode(new Debugfs(img).stat("/" + f).ino());
                List<XattrEntry> entries = reader.list(inode);
                List<String> ours = new ArrayList<>();
                for (XattrEntry e : entries) {
                    ours.add(e.fullName());
                }
                List<String> theirs = List.copyOf(new Debugfs(img).eaList("/" + f).keySet());
                assertEquals(new HashSet<>(theirs), new HashSet<>(ours), "xattr names of /" + f);
                assertEquals(theirs.size(), ours.size(), "xattr count of /" + f);
                for (XattrEntry e : entries) {
                    byte[] expected = new Debugfs(img).eaGetRaw("/" + f, e.fullName());
                    assertArrayEquals(expected, reader.value(inode, e), e.fullName() + " of /" + f);
                    assertArrayEquals(expected, reader.get(inode, e.fullName()).orElseThrow(), e.fullName() + " of /" + f);
                }
            }
        }
    }

    @Test
    void userValuesMatchTheSourceTree() throws Exception {
        try (Ext4FileSystem fs = open(img)) {
            XattrReader reader = new XattrReader(fs);
            for (Map.Entry<String, Map<String, byte[]>> f : USER_XATTRS.entrySet()) {
                Inode inode = fs.inode(new Debugfs(img).stat("/" + f.getKey()).ino());
                Set<String> expectedNames = new HashSet<>();
                for (Map.Entry<String, byte[]> x : f.getValue().entrySet()) {
                    expectedNames.add("user." + x.getKey());
                    assertArrayEquals(x.getValue(), reader.get(inode, "user." + x.getKey()).orElseThrow(),
                            "user." + x.getKey() + " of /" + f.getKey());
                }
                assertEquals(expectedNames, new HashSet<>(reader.names(inode)));
                assertEquals(Optional.empty(), reader.get(inode, "user.absent"));
                assertEquals(Optional.empty(), reader.get(inode, "trusted.small"));
            }
            assertTrue(reader.list(fs.inode(new Debugfs(img).stat("/plain").ino())).isEmpty());
        }
    }

    @Test
    void smallValuesStayInTheInodeAndLargeOnesGoToTheBlock() throws Exception {
        try (Ext4FileSystem fs = open(img)) {
            XattrReader reader = new XattrReader(fs);
            Inode small = fs.inode(new Debugfs(img).stat("/small").ino());
            assertEquals(List.of(XattrEntry.Location.INODE_BODY), reader.list(small).stream().map(XattrEntry::location).toList());
            assertNull(reader.block(small));
            assertEquals(0, new Debugfs(img).stat("/small").fileAcl());

            Inode big = fs.inode(new Debugfs(img).stat("/big").ino());
            XattrBlock block = reader.block(big);
            assertNotNull(block);
            assertEquals(new Debugfs(img).stat("/big").fileAcl(), block.pblk());
            assertEquals(1, block.refcount());
            assertEquals(List.of("user.big"), block.entries().stream().map(XattrEntry::fullName).toList());

            Inode many = fs.inode(new Debugfs(img).stat("/many").ino());
            List<XattrEntry> entries = reader.list(many);
            assertEquals(40, entries.size());
            assertTrue(entries.stream().anyMatch(e -> e.location() == XattrEntry.Location.INODE_BODY));
            assertTrue(entries.stream().anyMatch(e -> e.location() == XattrEntry.Location.BLOCK));
        }
    }

    @Test
    void aclsDecodeToTheKernelsXattrForm() throws Exception {
        assumeTrue(haveAclTools, "setfacl/setfattr (packages acl, attr) not installed");
        try (Ext4FileSystem fs = open(img)) {
            XattrReader reader = new XattrReader(fs);
            Object[][] cases = {
                {"acl", "system.posix_acl_access"},
                {"dir", "system.posix_acl_access"},
                {"dir", "system.posix_acl_default"}};
            for (Object[] c : cases) {
                Inode inode = fs.inode(new Debugfs(img).stat("/" + c[0]).ino());
                byte[] disk = reader.get(inode, (String) c[1]).orElseThrow();
                PosixAcl acl = PosixAcl.fromDisk(disk);
                assertArrayEquals(disk, acl.toDisk());
                // getfattr on the source tree shows the value the host kernel hands to user space.
                String getfattr = Tools.runOk(List.of("getfattr", "-e", "hex", "-n", (String) c[1],
                        src.resolve((String) c[0]).toString())).stdout();
                java.util.regex.Matcher value = java.util.regex.Pattern.compile("=0x([0-9a-f]+)").matcher(getfattr);
                assertTrue(value.find(), getfattr);
                String hex = value.group(1);
                assertEquals(hex, java.util.HexFormat.of().formatHex(acl.toXattr()), c[1] + " of /" + c[0]);
                assertEquals(acl, PosixAcl.fromXattr(acl.toXattr()));
            }
            PosixAcl acl = PosixAcl.fromDisk(reader.get(fs.inode(new Debugfs(img).stat("/acl").ino()), "system.posix_acl_access").orElseThrow());
            assertTrue(acl.entries().contains(new PosixAcl.Entry(PosixAcl.ACL_USER, 4, 1000)));
            assertTrue(acl.entries().contains(new PosixAcl.Entry(PosixAcl.ACL_GROUP, 6, 2000)));
            assertTrue(acl.entries().stream().anyMatch(e -> e.tag() == PosixAcl.ACL_MASK));
        }
    }

    @Test
    void aclTextMatchesGetfaclOnAKernelMount() throws Exception {
        assumeTrue(haveAclTools, "setfacl/getfacl (package acl) not installed");
        Path mnt = Files.createDirectories(dir.resolve("mnt-ro"));
        Tools.Result mount = Tools.run(List.of("mount", "-o", "loop,ro", img.toString(), mnt.toString()));
        assumeTrue(mount.exitCode() == 0, () -> mount.describe("cannot loop-mount"));
        try (Ext4FileSystem fs = open(img)) {
            XattrReader reader = new XattrReader(fs);
            for (String f : List.of("acl", "dir")) {
                Inode inode = fs.inode(new Debugfs(img).stat("/" + f).ino());
                String ours = PosixAcl.fromDisk(reader.get(inode, "system.posix_acl_access").orElseThrow()).toText();
                String kernel = Tools.runOk(List.of("getfacl", "-n", "-E", "--omit-header", "-a", mnt.resolve(f).toString())).stdout();
                assertEquals(kernel.strip(), ours.strip(), "access ACL of /" + f);
            }
            Inode d = fs.inode(new Debugfs(img).stat("/dir").ino());
            String ours = PosixAcl.fromDisk(reader.get(d, "system.posix_acl_default").orElseThrow()).toText();
            String kernel = Tools.runOk(List.of("getfacl", "-n", "-E", "--omit-header", "-d", mnt.resolve("dir").toString())).stdout();
            assertEquals(kernel.strip(), ours.strip(), "default ACL of /dir");
            String both = Tools.runOk(List.of("getfacl", "-n", "-E", "--omit-header", mnt.resolve("dir").toString())).stdout();
            String oursBoth = PosixAcl.fromDisk(reader.get(d, "system.posix_acl_access").orElseThrow()).toText()
                    + PosixAcl.fromDisk(reader.get(d, "system.posix_acl_default").orElseThrow()).toText("default:");
            assertEquals(both.strip(), oursBoth.strip());
        } finally {
            Tools.runOk(List.of("umount", mnt.toString()));
        }
    }

    @Test
    void blocksSharedByTheKernelReadForEveryOwner() throws Exception {
        Path copy = dir.resolve("shared.img");
        Files.copy(img, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path mnt = Files.createDirectories(dir.resolve("mnt-rw"));
        Tools.Result mount = Tools.run(List.of("mount", "-o", "loop", copy.toString(), mnt.toString()));
        assumeTrue(mount.exitCode() == 0, () -> mount.describe("cannot loop-mount"));
        byte[] value = pattern(1500, 3);
        try {
            for (String f : List.of("shared1", "shared2", "shared3")) {
                Path p = Files.writeString(mnt.resolve(f), f);
                Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).write("same", ByteBuffer.wrap(value));
            }
        } finally {
            Tools.runOk(List.of("umount", mnt.toString()));
        }
        try (Ext4FileSystem fs = open(copy)) {
            XattrReader reader = new XattrReader(fs);
            Set<Long> blocks = new HashSet<>();
            for (String f : List.of("shared1", "shared2", "shared3")) {
                Inode inode = fs.inode(new Debugfs(copy).stat("/" + f).ino());
                XattrBlock block = reader.block(inode);
                assertNotNull(block, f);
                assertEquals(3, block.refcount(), "h_refcount of the block of /" + f);
                blocks.add(block.pblk());
                assertArrayEquals(value, reader.get(inode, "user.same").orElseThrow());
                assertArrayEquals(new Debugfs(copy).eaGetRaw("/" + f, "user.same"), reader.get(inode, "user.same").orElseThrow());
                XattrEntry e = block.entries().get(0);
                assertEquals(e.hash(), XattrHash.entryHash(e.name().suffix(), value), "e_hash the kernel wrote");
                assertEquals(block.hash(), XattrHash.blockHash(block.entries()), "h_hash the kernel wrote");
            }
            assertEquals(1, blocks.size(), "the kernel shares one block between identical xattr sets");
        }
    }

    @Test
    void valuesInEaInodesAreRead() throws Exception {
        Path eaImg = dir.resolve("ea.img");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("f"), "x");
        ImageFactory.mkfs(eaImg, "32M", "-t", "ext4", "-b", "4096", "-O", "ea_inode", "-d", empty.toString());
        Path value = dir.resolve("huge.bin");
        Files.write(value, pattern(4096, 9));
        new Debugfs(eaImg).write(List.of("ea_set -f " + value + " /f user.huge"));
        long eaInum;
        try (Ext4FileSystem fs = open(eaImg)) {
            XattrReader reader = new XattrReader(fs);
            Inode f = fs.inode(new Debugfs(eaImg).stat("/f").ino());
            List<XattrEntry> entries = reader.list(f);
            assertEquals(1, entries.size());
            XattrEntry e = entries.get(0);
            assertEquals("user.huge", e.fullName());
            assertTrue(e.inEaInode(), "debugfs put the 4096-byte value in an EA inode");
            assertEquals(4096, e.valueSize());
            byte[] expected = new Debugfs(eaImg).eaGetRaw("/f", "user.huge");
            assertArrayEquals(Files.readAllBytes(value), expected);
            assertArrayEquals(expected, reader.value(f, e));
            assertArrayEquals(expected, reader.get(f, "user.huge").orElseThrow());
            eaInum = e.valueInum();
        }
        // An EA inode that lost its flag, or whose size disagrees with the entry, is corruption.
        Object[][] damages = {{"flags 0x80000", "EA_INODE flag"}, {"size 4000", "holds 4000 bytes"}};
        for (Object[] d : damages) {
            Path copy = dir.resolve("ea-damaged.img");
            Files.copy(eaImg, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            new Debugfs(copy).write(List.of("sif <" + eaInum + "> " + d[0]));
            try (Ext4FileSystem fs = open(copy)) {
                XattrReader reader = new XattrReader(fs);
                Inode f = fs.inode(new Debugfs(copy).stat("/f").ino());
                CorruptionException x = assertThrows(CorruptionException.class, () -> reader.get(f, "user.huge"));
                assertDamage(x, CorruptionException.Structure.XATTR, eaInum);
                assertTrue(x.getMessage().contains((String) d[1]), x.getMessage());
            }
        }
    }

    /** The hashes e2fsprogs (mkfs -d) and the kernel (shared blocks) wrote are what XattrHash computes. */
    @Test
    void storedHashesMatchComputedOnes() throws Exception {
        try (Ext4FileSystem fs = open(img)) {
            XattrReader reader = new XattrReader(fs);
            int blocks = 0;
            for (String f : allFiles()) {
                Inode inode = fs.inode(new Debugfs(img).stat("/" + f).ino());
                XattrBlock block = reader.block(inode);
                if (block == null) {
                    continue;
                }
                blocks++;
                for (XattrEntry e : block.entries()) {
                    assertEquals(e.hash(), XattrHash.entryHash(e.name().suffix(), reader.value(inode, e)), e.fullName() + " of /" + f);
                }
                // e2fsprogs leaves h_hash at 0 (it does not share blocks); the kernel case below checks it.
                assertTrue(block.hash() == 0 || block.hash() == XattrHash.blockHash(block.entries()), "h_hash of /" + f);
            }
            assertTrue(blocks >= 2);
        }
    }

    @Test
    void namesParseToTheirIndex() {
        assertEquals(new XattrName(1, "a".getBytes(StandardCharsets.UTF_8)), XattrName.parse("user.a"));
        assertEquals(new XattrName(2, new byte[0]), XattrName.parse("system.posix_acl_access"));
        assertEquals(new XattrName(3, new byte[0]), XattrName.parse("system.posix_acl_default"));
        assertEquals(new XattrName(7, "data".getBytes(StandardCharsets.UTF_8)), XattrName.parse("system.data"));
        assertEquals(new XattrName(6, "selinux".getBytes(StandardCharsets.UTF_8)), XattrName.parse("security.selinux"));
        assertEquals(new XattrName(4, "x".getBytes(StandardCharsets.UTF_8)), XattrName.parse("trusted.x"));
        assertEquals("system.posix_acl_default", new XattrName(3, new byte[0]).fullName());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(Ext4Exception.class, () -> XattrName.parse("os2.x")).errno());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(Ext4Exception.class, () -> XattrName.parse("user.")).errno());
        assertEquals(Errno.ERANGE, assertThrows(Ext4Exception.class, () -> XattrName.parse("user." + "n".repeat(256))).errno());
    }

    // ---- corruption ----

    /** Writes {@code bytes} at {@code offset} of the image file. */
    static void poke(Path image, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    static byte[] peek(Path image, long offset, int len) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            byte[] b = new byte[len];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    /** Copies the image, lets {@code damage} change the xattr block of /big, then reads the xattrs of /big. */
    CorruptionException damagedBlock(String name, BlockDamage damage) throws Exception {
        Path copy = dir.resolve("damaged-" + name + ".img");
        Files.copy(img, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        long ino = new Debugfs(copy).stat("/big").ino();
        long pblk;
        int bs;
        int seed;
        try (Ext4FileSystem fs = open(copy)) {
            pblk = fs.inode(ino).fileAcl();
            bs = fs.blockSize();
            seed = fs.csumSeed();
        }
        byte[] block = peek(copy, pblk * bs, bs);
        damage.apply(block, pblk, seed);
        poke(copy, pblk * bs, block);
        try (Ext4FileSystem fs = open(copy)) {
            XattrReader reader = new XattrReader(fs);
            Inode inode = fs.inode(ino);
            CorruptionException e = assertThrows(CorruptionException.class, () -> reader.get(inode, "user.big"));
            // Where the damage is, from the fields; which check caught it only the message says.
            assertDamage(e, CorruptionException.Structure.XATTR);
            return e;
        }
    }

    interface BlockDamage {
        void apply(byte[] block, long pblk, int seed);
    }

    /** Re-seals the block checksum so the structural checks, not the checksum, must catch the damage. */
    static void reseal(byte[] block, long pblk, int seed) {
        org.ext4j.core.disk.LittleEndian.put32(block, XattrBlock.H_CHECKSUM, XattrBlock.checksum(seed, pblk, block));
    }

    @Test
    void damagedBlocksAreCorruption() throws Exception {
        CorruptionException e = damagedBlock("magic", (b, p, s) -> {
            b[0] ^= 1;
            reseal(b, p, s);
        });
        assertTrue(e.getMessage().contains("magic"), e.getMessage());

        e = damagedBlock("csum", (b, p, s) -> b[XattrBlock.HEADER_SIZE + 200] ^= 0x40);
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());

        int first = XattrBlock.HEADER_SIZE;
        e = damagedBlock("offs", (b, p, s) -> {
            org.ext4j.core.disk.LittleEndian.put16(b, first + XattrEntry.E_VALUE_OFFS, b.length - 100);
            reseal(b, p, s);
        });
        assertTrue(e.getMessage().contains("outside the value area"), e.getMessage());

        e = damagedBlock("size", (b, p, s) -> {
            org.ext4j.core.disk.LittleEndian.put32(b, first + XattrEntry.E_VALUE_SIZE, 0x7fff0000L);
            reseal(b, p, s);
        });
        assertTrue(e.getMessage().contains("value size"), e.getMessage());

        e = damagedBlock("misaligned", (b, p, s) -> {
            int offs = org.ext4j.core.disk.LittleEndian.u16(b, first + XattrEntry.E_VALUE_OFFS);
            org.ext4j.core.disk.LittleEndian.put16(b, first + XattrEntry.E_VALUE_OFFS, offs + 2);
            reseal(b, p, s);
        });
        assertTrue(e.getMessage().contains("aligned"), e.getMessage());

        e = damagedBlock("unterminated", (b, p, s) -> {
            java.util.Arrays.fill(b, first, b.length, (byte) 0x01);
            reseal(b, p, s);
        });
        assertTrue(e.getMessage().contains("runs past"), e.getMessage());

        e = damagedBlock("hblocks", (b, p, s) -> {
            b[XattrBlock.H_BLOCKS] = 2;
            reseal(b, p, s);
        });
        assertTrue(e.getMessage().contains("h_blocks"), e.getMessage());
    }

    /** Every single-byte change of a real xattr block (checksum re-sealed) parses or is corruption. */
    @Test
    void fuzzedBlocksNeverThrowAnythingElse() throws Exception {
        try (Ext4FileSystem fs = open(img)) {
            for (String f : List.of("big", "many")) {
                Inode inode = fs.inode(new Debugfs(img).stat("/" + f).ino());
                long pblk = inode.fileAcl();
                byte[] good = fs.readBlock(pblk);
                Random rnd = new Random(42);
                int corrupt = 0;
                for (int i = 0; i < Math.min(good.length, XattrBlock.HEADER_SIZE + 1024); i++) {
                    for (int v : new int[] {0, 0xff, rnd.nextInt(256), good[i] ^ 0x80}) {
                        byte[] b = good.clone();
                        b[i] = (byte) v;
                        reseal(b, pblk, fs.csumSeed());
                        try {
                            XattrBlock.parse(fs, pblk, b, "fuzzed block");
                        } catch (CorruptionException expected) {
                            corrupt++;
                        }
                    }
                }
                assertTrue(corrupt > 0);
            }
        }
    }

    /** Single-byte changes of the in-inode area of /many parse or are corruption. */
    @Test
    void fuzzedInodeBodiesNeverThrowAnythingElse() throws Exception {
        try (Ext4FileSystem fs = open(img)) {
            Inode inode = fs.inode(new Debugfs(img).stat("/many").ino());
            byte[] raw = inode.raw();
            int start = 128 + inode.extraIsize();
            Random rnd = new Random(7);
            int corrupt = 0;
            for (int i = start; i < raw.length; i++) {
                for (int v : new int[] {0, 0xff, rnd.nextInt(256)}) {
                    byte[] b = raw.clone();
                    b[i] = (byte) v;
                    try {
                        InodeXattrs.read(new Inode(inode.ino(), b, fs.csumSeed()), false, fs.superblock().inodesCount());
                    } catch (CorruptionException expected) {
                        corrupt++;
                    }
                }
            }
            assertTrue(corrupt > 0);
        }
    }
}
