package org.ext4j.linux.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.StatFs;

/**
 * A small read-only tree in memory, standing in for the core in dispatcher and session tests:
 * <pre>
 * /            inode 2
 * /hello.txt   inode 12, "hello, world\n", xattr user.colour=blue
 * /sub         inode 13 (directory) with /sub/deep.bin (inode 14: 10 000 bytes, a hole at 4096..8191)
 * /link        inode 15 -> hello.txt
 * </pre>
 */
public class FakeFileSystem implements InodeFileSystem {
    static final long HELLO = 12;
    static final long SUB = 13;
    public static final long DEEP = 14;
    static final long LINK = 15;
    static final byte[] HELLO_TEXT = "hello, world\n".getBytes(StandardCharsets.US_ASCII);

    final Map<Long, Attributes> inodes = new TreeMap<>();
    final Map<Long, Map<String, Long>> dirs = new TreeMap<>();
    final Map<Long, byte[]> contents = new TreeMap<>();
    final Map<Long, Map<String, byte[]>> xattrs = new TreeMap<>();
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    long nextHandle = 100;

    public FakeFileSystem() {
        put(ROOT_INO, FileType.DIRECTORY, 0755, 0, 3);
        put(HELLO, FileType.REGULAR, 0644, HELLO_TEXT.length, 1);
        put(SUB, FileType.DIRECTORY, 0750, 0, 2);
        byte[] deep = new byte[10_000];
        for (int i = 0; i < deep.length; i++) {
            deep[i] = i >= 4096 && i < 8192 ? 0 : (byte) (i * 7);
        }
        put(DEEP, FileType.REGULAR, 0600, deep.length, 1);
        put(LINK, FileType.SYMLINK, 0777, 9, 1);
        dir(ROOT_INO, ROOT_INO, Map.of("hello.txt", HELLO, "sub", SUB, "link", LINK));
        dir(SUB, ROOT_INO, Map.of("deep.bin", DEEP));
        contents.put(HELLO, HELLO_TEXT);
        contents.put(DEEP, deep);
        contents.put(LINK, "hello.txt".getBytes(StandardCharsets.US_ASCII));
        xattrs.put(HELLO, new LinkedHashMap<>(Map.of("user.colour", "blue".getBytes(StandardCharsets.US_ASCII))));
    }

    private void put(long ino, FileType type, int perm, long size, long nlink) {
        Timestamp t = new Timestamp(1_700_000_000L + ino, (int) ino * 1000);
        inodes.put(ino, new Attributes(ino, type, type.modeBits() | perm, nlink, 1000, 100, size, (size + 4095) / 4096 * 8,
                4096, t, t, t, t, 0, 0, (int) (ino * 31), 0));
    }

    private void dir(long ino, long parent, Map<String, Long> names) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put(".", ino);
        m.put("..", parent);
        new TreeMap<>(names).forEach(m::put);
        dirs.put(ino, m);
    }

    private Attributes attrs(long ino) {
        Attributes a = inodes.get(ino);
        if (a == null) {
            throw new Ext4Exception(Errno.ESTALE, "no inode " + ino);
        }
        return a;
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        calls.add("lookup " + parent + " " + new String(name, StandardCharsets.UTF_8) + " uid " + caller.uid());
        Map<String, Long> d = dirs.get(parent);
        if (d == null) {
            throw new Ext4Exception(Errno.ENOTDIR, "not a directory");
        }
        Long ino = d.get(new String(name, StandardCharsets.UTF_8));
        if (ino == null) {
            throw new Ext4Exception(Errno.ENOENT, "no such name");
        }
        return attrs(ino);
    }

    @Override
    public Attributes getattr(long ino) {
        calls.add("getattr " + ino);
        return attrs(ino);
    }

    @Override
    public byte[] readlink(long ino) {
        if (attrs(ino).type() != FileType.SYMLINK) {
            throw new Ext4Exception(Errno.EINVAL, "not a symlink");
        }
        return contents.get(ino).clone();
    }

    @Override
    public synchronized long opendir(Caller caller, long ino) {
        if (!dirs.containsKey(ino)) {
            throw new Ext4Exception(Errno.ENOTDIR, "not a directory");
        }
        return nextHandle++;
    }

    /** Cookies are 1-based positions: entry i (0-based) resumes at i + 1. */
    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        calls.add("readdir " + ino + " @" + offset + " max " + maxEntries);
        List<Map.Entry<String, Long>> all = new ArrayList<>(dirs.get(ino).entrySet());
        List<DirectoryEntry> out = new ArrayList<>();
        for (int i = (int) offset; i < all.size() && out.size() < maxEntries; i++) {
            Map.Entry<String, Long> e = all.get(i);
            out.add(new DirectoryEntry(e.getValue(), e.getKey().getBytes(StandardCharsets.UTF_8),
                    attrs(e.getValue()).type(), i + 1));
        }
        return out;
    }

    @Override
    public void releasedir(long ino, long handle) {
        calls.add("releasedir " + ino + " " + handle);
    }

    @Override
    public synchronized long open(Caller caller, long ino, int flags) {
        calls.add("open " + ino + " flags " + flags);
        if (attrs(ino).type() == FileType.DIRECTORY) {
            throw new Ext4Exception(Errno.EISDIR, "directory");
        }
        return nextHandle++;
    }

    @Override
    public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        byte[] c = contents.get(ino);
        if (offset >= c.length) {
            return 0;
        }
        // Short reads on purpose (at most 3000 bytes a call): the dispatcher must loop.
        int n = (int) Math.min(Math.min(len, 3000), c.length - offset);
        System.arraycopy(c, (int) offset, dst, dstOff, n);
        return n;
    }

    @Override
    public void release(long ino, long handle) {
        calls.add("release " + ino + " " + handle);
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        attrs(ino);
        if ((mask & 2) != 0) {
            throw new Ext4Exception(Errno.EROFS, "read-only");
        }
    }

    @Override
    public StatFs statfs() {
        return new StatFs(4096, 1000, 900, 850, 256, 200, 255, new byte[16]);
    }

    @Override
    public byte[] getxattr(long ino, String name) {
        byte[] v = xattrs.getOrDefault(ino, Map.of()).get(name);
        if (v == null) {
            throw new Ext4Exception(Errno.ENODATA, "no attribute " + name);
        }
        return v.clone();
    }

    @Override
    public List<String> listxattr(long ino) {
        attrs(ino);
        return new ArrayList<>(xattrs.getOrDefault(ino, Map.of()).keySet());
    }

    @Override
    public List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        if (ino != DEEP) {
            long size = attrs(ino).size();
            return List.of(new MappedExtent(0, (size + 4095) / 4096 * 4096, 1 << 20, MappedExtent.Kind.MAPPED));
        }
        return List.of(new MappedExtent(0, 4096, 1 << 20, MappedExtent.Kind.MAPPED),
                new MappedExtent(4096, 4096, -1, MappedExtent.Kind.HOLE),
                new MappedExtent(8192, 4096, 2 << 20, MappedExtent.Kind.MAPPED));
    }

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public String readOnlyReason() {
        return "opened read-only";
    }

    @Override
    public synchronized void close() {
        calls.add("close");
    }

    /** True when an SPI call was recorded that starts with {@code prefix}. */
    public synchronized boolean callsContain(String prefix) {
        return calls.stream().anyMatch(c -> c.startsWith(prefix));
    }
}
