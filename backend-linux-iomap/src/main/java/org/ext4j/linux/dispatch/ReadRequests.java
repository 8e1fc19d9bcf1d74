package org.ext4j.linux.dispatch;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.StatFs;
import org.ext4j.linux.protocol.AttrOut;
import org.ext4j.linux.protocol.BmapIn;
import org.ext4j.linux.protocol.BmapOut;
import org.ext4j.linux.protocol.DataOut;
import org.ext4j.linux.protocol.DirentList;
import org.ext4j.linux.protocol.EntryOut;
import org.ext4j.linux.protocol.GetxattrIn;
import org.ext4j.linux.protocol.GetxattrOut;
import org.ext4j.linux.protocol.LseekIn;
import org.ext4j.linux.protocol.LseekOut;
import org.ext4j.linux.protocol.OutStruct;
import org.ext4j.linux.protocol.ReadIn;
import org.ext4j.linux.protocol.StatfsOut;
import org.ext4j.linux.protocol.StatxIn;
import org.ext4j.linux.protocol.StatxOut;

/**
 * The requests that look at the filesystem without changing it: attributes (GETATTR, STATX,
 * STATFS), file data (READ, BMAP, LSEEK), directory listings (READDIR, READDIRPLUS) and extended
 * attributes (GETXATTR, LISTXATTR). Every entry READDIRPLUS hands the kernel counts one lookup,
 * as LOOKUP's do. Also owns the reader threads' scratch arrays, which WRITE's data shares.
 */
final class ReadRequests {
    private final InodeFileSystem fs;
    private final DispatchOptions options;
    private final LookupCounts lookups;
    private final IomapRequests iomap;
    private final PrintStream log;
    private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[0]);

    ReadRequests(InodeFileSystem fs, DispatchOptions options, LookupCounts lookups, IomapRequests iomap,
            PrintStream log) {
        this.fs = fs;
        this.options = options;
        this.lookups = lookups;
        this.iomap = iomap;
        this.log = log;
    }

    AttrOut getattr(long ino) {
        return AttributeReplies.attr(fs.getattr(ino), options);
    }

    DataOut read(long ino, ReadIn in) {
        int size = replySize(in);
        byte[] buf = scratch(size);
        int done = 0;
        // The kernel takes a short read for end of file, so keep reading until full or EOF.
        while (done < size) {
            int n = fs.read(ino, in.fh(), in.offset() + done, buf, done, size - done);
            if (n <= 0) {
                break;
            }
            done += n;
        }
        return new DataOut(buf, 0, done);
    }

    /** The bytes a READ or READDIR may answer: what it asks for, at most what INIT allowed. */
    private int replySize(ReadIn in) {
        return (int) Math.min(in.size(), Math.max(options.maxWrite(), options.maxPages() * 4096L));
    }

    /**
     * A reader thread's scratch array for READ and WRITE data: a request is done with it (its
     * reply encoded) before the thread reads the next one, so one array per thread serves every
     * READ and WRITE without garbage.
     */
    byte[] scratch(int size) {
        byte[] buf = scratch.get();
        if (buf.length < size) {
            buf = new byte[size];
            scratch.set(buf);
        }
        return buf;
    }

    /**
     * FIBMAP, which the kernel forwards only on fuseblk mounts (FIEMAP never reaches a FUSE
     * server): the device block behind file block {@code in.block()}, both counted in
     * {@code in.blocksize()} bytes, or 0 for a hole, an unwritten block or inline data, as the
     * kernel's ext4_bmap answers (and for a block that is not one aligned run on the device).
     */
    BmapOut bmap(long ino, BmapIn in) {
        long size = Integer.toUnsignedLong(in.blocksize());
        if (size == 0 || Long.bitCount(size) != 1 || in.block() < 0) {
            throw new FuseDispatcher.ProtocolError(Errno.EINVAL.code());
        }
        if (in.block() > Long.MAX_VALUE / size) {
            return new BmapOut(0);
        }
        long offset = in.block() * size;
        List<MappedExtent> map = fs.mapBlocks(ino, offset, size);
        if (map.isEmpty()) {
            return new BmapOut(0);
        }
        MappedExtent e = map.get(0);
        long device = e.deviceOffset() + (offset - e.fileOffset());
        // A block of the asked size must be one aligned device block: with blocks of the
        // filesystem smaller than blksize, a file block may start mid-block or be split.
        if (e.kind() != MappedExtent.Kind.MAPPED || e.fileOffset() > offset
                || e.fileOffset() + e.length() < offset + size || device % size != 0) {
            return new BmapOut(0);
        }
        return new BmapOut(device / size);
    }

    DirentList readdir(long ino, ReadIn in, boolean plus) {
        int capacity = replySize(in);
        DirentList list = new DirentList(capacity, plus);
        int maxEntries = Math.max(1, capacity / DirentList.recordSize(1, plus));
        List<DirectoryEntry> entries = fs.readdir(ino, in.fh(), in.offset(), maxEntries);
        for (DirectoryEntry d : entries.subList(0, sendable(entries, capacity, plus, in.offset()))) {
            EntryOut entry = plus ? iomap.mark(plusEntry(d)) : null;
            list.add(entry, d.ino(), d.nextOffset(), direntType(d.type()), d.name());
            if (entry != null && entry.nodeId() != 0) {
                lookups.increment(entry.nodeId());
            }
        }
        return list;
    }

    /**
     * How many of {@code entries}, listed from cookie {@code offset}, to send in a buffer of
     * {@code capacity} bytes: as many as fit, cut back to the end of a group of entries that
     * share a cookie (names of one full hash in an indexed ext4 directory, where every entry of
     * the group but the last carries the group's own cookie). The kernel resumes at the last
     * cookie sent, so sending part of a group would list that part twice. An entry ends its
     * group when its cookie differs from the one before it (or from {@code offset}); a group
     * too big for the whole buffer is sent in part rather than not at all.
     */
    static int sendable(List<DirectoryEntry> entries, int capacity, boolean plus, long offset) {
        int fit = 0;
        int used = 0;
        while (fit < entries.size() && used + DirentList.recordSize(entries.get(fit).name().length, plus) <= capacity) {
            used += DirentList.recordSize(entries.get(fit).name().length, plus);
            fit++;
        }
        if (fit == entries.size()) {
            return fit;
        }
        int cut = fit;
        while (cut > 0 && entries.get(cut - 1).nextOffset() == (cut >= 2 ? entries.get(cut - 2).nextOffset() : offset)) {
            cut--;
        }
        return cut > 0 ? cut : fit;
    }

    /** The entry part of a READDIRPLUS record; node id 0 (no entry) for "." and "..", which the kernel skips. */
    private EntryOut plusEntry(DirectoryEntry d) {
        if (isDotOrDotDot(d.name())) {
            return EntryOut.negative(0);
        }
        try {
            return AttributeReplies.entry(fs.getattr(d.ino()), options);
        } catch (Ext4Exception e) {
            // Still list the name; a later LOOKUP of it reports the error to whoever asks.
            log.println("ext4j: READDIRPLUS: inode " + d.ino() + " (\"" + d.nameString() + "\"): " + e.getMessage());
            return EntryOut.negative(0);
        }
    }

    static boolean isDotOrDotDot(byte[] name) {
        return name.length == 1 && name[0] == '.' || name.length == 2 && name[0] == '.' && name[1] == '.';
    }

    /** The DT_xxx value readdir(3) reports: the S_IFMT bits shifted down. */
    static int direntType(FileType type) {
        return type.modeBits() >>> 12;
    }

    StatfsOut statfs() {
        StatFs s = fs.statfs();
        return new StatfsOut(s.blocks(), s.blocksFree(), s.blocksAvailable(), s.files(), s.filesFree(), s.blockSize(),
                s.maxNameLength(), s.blockSize());
    }

    OutStruct getxattr(long ino, GetxattrIn in) {
        return sized(fs.getxattr(ino, in.name()), in.size());
    }

    OutStruct listxattr(long ino, GetxattrIn in) {
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (String name : fs.listxattr(ino)) {
            byte[] b = name.getBytes(StandardCharsets.UTF_8);
            names.write(b, 0, b.length);
            names.write(0);
        }
        return sized(names.toByteArray(), in.size());
    }

    /** The getxattr/listxattr convention: size 0 asks for the size; a smaller buffer is ERANGE. */
    private static OutStruct sized(byte[] value, long size) {
        if (size == 0) {
            return new GetxattrOut(value.length);
        }
        if (value.length > size) {
            throw new FuseDispatcher.ProtocolError(Errno.ERANGE.code());
        }
        return DataOut.of(value);
    }

    /** SEEK_DATA / SEEK_HOLE: the core's rule ({@link org.ext4j.core.spi.SeekDataHole}). */
    LseekOut lseek(long ino, LseekIn in) {
        return new LseekOut(fs.lseek(ino, in.fh(), in.offset(), in.whence()));
    }

    StatxOut statx(long ino, StatxIn in) {
        return AttributeReplies.statx(fs.getattr(ino), options);
    }
}
