package org.ext4j.core.fs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.InodeFileSystem;

/**
 * Walks a whole filesystem through the SPI the way a backend would: every directory listed,
 * every name looked up, every file read to the end, every symlink, xattr and block mapping
 * fetched. Returns a digest of what it saw, so two walks can be compared.
 */
final class VolumeWalker {
    private final InodeFileSystem fs;
    private final CRC32 digest = new CRC32();
    private final Set<Long> visitedDirs = new HashSet<>();
    private final int maxBytesPerFile;
    /** Entries seen other than "." and "..", and the sum of their {@link #entryChecksum}s. */
    private long entries;
    private long entrySum;

    VolumeWalker(InodeFileSystem fs, int maxBytesPerFile) {
        this.fs = fs;
        this.maxBytesPerFile = maxBytesPerFile;
    }

    /** Walks from the root; returns the digest of names, attributes and contents seen. */
    long walk() {
        Deque<Long> dirs = new ArrayDeque<>();
        dirs.push(InodeFileSystem.ROOT_INO);
        fs.statfs();
        while (!dirs.isEmpty()) {
            long dir = dirs.pop();
            if (!visitedDirs.add(dir)) {
                continue;
            }
            feed(fs.getattr(dir));
            long handle = fs.opendir(Caller.ROOT, dir);
            List<DirectoryEntry> all = new ArrayList<>();
            long offset = 0;
            for (int rounds = 0; rounds < 1_000_000; rounds++) {
                List<DirectoryEntry> batch = fs.readdir(dir, handle, offset, 64);
                if (batch.isEmpty()) {
                    break;
                }
                all.addAll(batch);
                long next = batch.get(batch.size() - 1).nextOffset();
                if (next <= offset) {
                    throw new AssertionError("readdir cookie did not advance in directory " + dir);
                }
                offset = next;
            }
            fs.releasedir(dir, handle);
            for (DirectoryEntry e : all) {
                digest.update(e.name());
                String n = e.nameString();
                if (n.equals(".") || n.equals("..")) {
                    continue;
                }
                Attributes a = fs.lookup(Caller.ROOT, dir, e.name());
                feed(a);
                CRC32 entry = new CRC32();
                entry.update(e.name());
                entry.update(0);
                visit(a, dirs, entry);
                entries++;
                entrySum += entry.getValue();
            }
        }
        return digest.getValue();
    }

    /** The number of names seen, "." and ".." left out (a hard link counts once per name). */
    long entries() {
        return entries;
    }

    /**
     * The sum over every name seen of {@link #entryChecksum} of the name with its content (a
     * file's bytes, a symlink's target, nothing for anything else): independent of the order
     * directories list their entries in, so a walk can be compared with the tree it was made from.
     */
    long entrySum() {
        return entrySum;
    }

    /** The CRC-32 of {@code name}, a zero byte, then {@code content}. */
    static long entryChecksum(byte[] name, byte[] content) {
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(0);
        crc.update(content);
        return crc.getValue();
    }

    private void visit(Attributes a, Deque<Long> dirs, CRC32 entry) {
        for (String name : fs.listxattr(a.ino())) {
            digest.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest.update(fs.getxattr(a.ino(), name));
        }
        if (a.type() == FileType.DIRECTORY) {
            dirs.push(a.ino());
        } else if (a.type() == FileType.SYMLINK) {
            byte[] target = fs.readlink(a.ino());
            digest.update(target);
            entry.update(target);
        } else if (a.type() == FileType.REGULAR) {
            long handle = fs.open(Caller.ROOT, a.ino(), InodeFileSystem.O_RDONLY);
            byte[] buf = new byte[65536];
            long pos = 0;
            while (pos < maxBytesPerFile) {
                int n = fs.read(a.ino(), handle, pos, buf, 0, buf.length);
                if (n <= 0) {
                    break;
                }
                digest.update(buf, 0, n);
                entry.update(buf, 0, n);
                pos += n;
            }
            fs.release(a.ino(), handle);
            fs.mapBlocks(a.ino(), 0, Math.min(a.size(), 1L << 30));
        }
    }

    private void feed(Attributes a) {
        digest.update((a.ino() + ":" + a.mode() + ":" + a.nlink() + ":" + a.size() + ":" + a.uid() + ":" + a.gid()
                + ":" + a.mtime()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
