package org.ext4j.core.ops;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * Draws operations from a seed, looking at the model's current tree for targets: existing and
 * fresh names of every length from 1 to 255 bytes (and a few longer), directories that grow deep
 * and wide, sparse and large writes, truncates, renames with each flag, links, symlinks, xattrs,
 * chmod/chown/utimensat by root and by three unprivileged users, collapse and insert range. The same seed over the same
 * starting tree gives the same operations, as long as the results agree (they steer later draws).
 */
final class OpGenerator {
    static final Caller ROOT = Caller.ROOT;
    /** Owns some files of the source tree (modes/owned). */
    static final Caller USER = new Caller(1000, 1000, new long[0], 100);
    /** Another user who is in group 1000. */
    static final Caller GROUP_MEMBER = new Caller(1001, 1001, new long[] {1000}, 101);
    /** A stranger to everything. */
    static final Caller STRANGER = new Caller(2000, 2000, new long[0], 102);
    static final List<Caller> CALLERS = List.of(ROOT, USER, GROUP_MEMBER, STRANGER);

    private static final byte[] ALPHABET =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+=,;:!@#%^&()[]{}~ ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TWO_BYTE = "é".getBytes(StandardCharsets.UTF_8);
    private static final int[] FLAG_BITS = {0x1, 0x2, 0x8, 0x10, 0x20, 0x40, 0x80, 0x8000, 0x10000, 0x20000, 0x20000000};

    private final Random random;
    private final ModelFileSystem model;
    private final OpMix mix;

    OpGenerator(long seed, ModelFileSystem model, OpMix mix) {
        this.random = new Random(seed);
        this.model = model;
        this.mix = mix;
    }

    Op next() {
        OpKind kind = mix.draw(random);
        Caller c = random.nextInt(2) == 0 ? ROOT : CALLERS.get(1 + random.nextInt(3));
        return switch (kind) {
            case CREATE -> new Op.Create(c, dir(), name(), mode(07777));
            case MKDIR -> new Op.Mkdir(c, dir(), name(), mode(07777));
            case MKNOD -> new Op.Mknod(c, dir(), name(), nodeType() | mode(07777), random.nextInt(256), random.nextInt(256));
            case SYMLINK -> new Op.Symlink(c, dir(), name(), target());
            case LINK -> new Op.Link(c, any(), dir(), name());
            case UNLINK -> {
                long d = dir();
                yield new Op.Unlink(c, d, existingName(d));
            }
            case RMDIR -> {
                long d = dir();
                yield new Op.Rmdir(c, d, existingName(d));
            }
            case RENAME -> {
                long d = dir();
                int[] flags = {0, 0, 0, WritableFileSystem.RENAME_NOREPLACE, WritableFileSystem.RENAME_EXCHANGE,
                    WritableFileSystem.RENAME_WHITEOUT, WritableFileSystem.RENAME_EXCHANGE | WritableFileSystem.RENAME_NOREPLACE};
                byte[] from = existingName(d);
                long to = dir();
                byte[] toName = name();
                int drawn = flags[random.nextInt(flags.length)];
                yield new Op.Rename(c, d, from, to, toName, (drawn & ~mix.renameFlags()) == 0 ? drawn : 0);
            }
            case WRITE -> new Op.Write(c, regular(), offset(), length(), random.nextLong());
            case TRUNCATE -> new Op.Truncate(c, regular(), random.nextInt(8) == 0 ? -1 : offset());
            case CHMOD -> new Op.Chmod(c, any(), mode(07777));
            case CHOWN -> chown(c);
            case UTIMENS -> utimens(c);
            case SETXATTR -> setxattr(c);
            case REMOVEXATTR -> new Op.RemoveXattr(c, any(), xattrName());
            case SETFLAGS -> setflags(c);
            case COLLAPSE_RANGE -> shiftRange(c, WritableFileSystem.FALLOC_FL_COLLAPSE_RANGE);
            case INSERT_RANGE -> shiftRange(c, WritableFileSystem.FALLOC_FL_INSERT_RANGE);
            case TMPFILE -> new Op.Tmpfile(c, dir(), mode(07777));
        };
    }

    /** Inodes reachable by name, sorted (the model's map order must not leak into the draw). */
    private List<ModelFileSystem.Node> reachable() {
        List<ModelFileSystem.Node> out = new ArrayList<>();
        if (mix.kernelTimes()) {
            return byPath();
        }
        model.nodes().values().stream().filter(n -> n.nlink > 0 || n.ino == WritableFileSystem.ROOT_INO)
                .sorted((a, b) -> Long.compare(a.ino, b.ino)).forEach(out::add);
        return out;
    }

    /**
     * Inodes reachable by name, ordered by their first path: for kernel runs, where the kernel and
     * ext4j number new inodes differently, but both runs must draw the same operations.
     */
    private List<ModelFileSystem.Node> byPath() {
        java.util.TreeMap<String, ModelFileSystem.Node> paths = new java.util.TreeMap<>();
        java.util.ArrayDeque<Long> queue = new java.util.ArrayDeque<>(List.of(WritableFileSystem.ROOT_INO));
        java.util.Map<Long, String> seen = new java.util.HashMap<>(java.util.Map.of(WritableFileSystem.ROOT_INO, ""));
        paths.put("", model.node(WritableFileSystem.ROOT_INO));
        while (!queue.isEmpty()) {
            long d = queue.poll();
            ModelFileSystem.Node dir = model.node(d);
            for (java.util.Map.Entry<String, Long> e : new java.util.TreeMap<>(dir.children).entrySet()) {
                String path = seen.get(d) + "/" + e.getKey();
                ModelFileSystem.Node child = model.node(e.getValue());
                if (child != null && !seen.containsKey(child.ino)) {
                    seen.put(child.ino, path);
                    paths.put(path, child);
                    if (child.isDir()) {
                        queue.add(child.ino);
                    }
                }
            }
        }
        return new ArrayList<>(paths.values());
    }

    private long pick(java.util.function.Predicate<ModelFileSystem.Node> which) {
        List<ModelFileSystem.Node> all = reachable().stream().filter(which).toList();
        return all.isEmpty() ? WritableFileSystem.ROOT_INO : all.get(random.nextInt(all.size())).ino;
    }

    private long any() {
        return pick(n -> true);
    }

    private long dir() {
        return pick(ModelFileSystem.Node::isDir);
    }

    private long regular() {
        return pick(n -> n.type() == FileType.REGULAR);
    }

    private int mode(int bits) {
        int r = random.nextInt(4);
        int base = switch (r) {
            case 0 -> 0644;
            case 1 -> 0755;
            case 2 -> random.nextInt(01000);
            default -> random.nextInt(010000);
        };
        if (random.nextInt(3) == 0) {
            base |= new int[] {04000, 02000, 01000, 06000, 02010, 06070}[random.nextInt(6)];
        }
        return base & bits;
    }

    private int nodeType() {
        int[] types = {ModelFileSystem.S_IFCHR, ModelFileSystem.S_IFBLK, ModelFileSystem.S_IFIFO, ModelFileSystem.S_IFSOCK,
            ModelFileSystem.S_IFREG, 0, ModelFileSystem.S_IFDIR, ModelFileSystem.S_IFLNK};
        return types[random.nextInt(types.length)];
    }

    /** A name that exists in the directory half the time, else a fresh one. */
    private byte[] existingName(long dir) {
        ModelFileSystem.Node d = model.node(dir);
        if (d != null && !d.children.isEmpty() && random.nextInt(4) != 0) {
            List<String> names = new ArrayList<>(d.children.keySet());
            return ModelFileSystem.bytes(names.get(random.nextInt(names.size())));
        }
        return name();
    }

    /** A fresh name: 1..255 bytes (occasionally 256..300), printable ASCII with some two-byte characters. */
    byte[] name() {
        int length = random.nextInt(30) == 0 ? 256 + random.nextInt(45)
                : random.nextInt(3) == 0 ? 1 + random.nextInt(255) : 1 + random.nextInt(12);
        byte[] out = new byte[length];
        int i = 0;
        while (i < length) {
            if (length - i >= 2 && random.nextInt(20) == 0) {
                out[i++] = TWO_BYTE[0];
                out[i++] = TWO_BYTE[1];
            } else {
                out[i++] = ALPHABET[random.nextInt(ALPHABET.length)];
            }
        }
        String s = new String(out, StandardCharsets.ISO_8859_1);
        if (s.equals(".") || s.equals("..")) {
            out[0] = 'x';
        }
        return out;
    }

    private byte[] target() {
        int length = random.nextInt(10) == 0 ? 60 + random.nextInt(300) : 1 + random.nextInt(70);
        byte[] t = new byte[length];
        for (int i = 0; i < length; i++) {
            t[i] = random.nextInt(8) == 0 ? (byte) '/' : ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return t;
    }

    /** Offsets: small, around block boundaries, or far out (sparse, up to 64 MiB). */
    private long offset() {
        int bs = model.limits().blockSize();
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(200);
            case 1 -> Math.max(0, (long) bs * random.nextInt(16) + random.nextInt(3) - 1);
            case 2 -> random.nextInt(1 << 20);
            default -> (long) random.nextInt(1 << 8) << 18;
        };
    }

    private int length() {
        return random.nextInt(5) == 0 ? 1 + random.nextInt(256 << 10) : 1 + random.nextInt(5000);
    }

    private Op chown(Caller c) {
        long[] ids = {-1, 0, 1000, 1001, 2000, c.uid()};
        long uid = ids[random.nextInt(ids.length)];
        long gid = ids[random.nextInt(ids.length)];
        if (uid == -1 && gid == -1) {
            gid = c.gid();
        }
        // Half the time a setuid or setgid inode: what chown must strip.
        long ino = random.nextBoolean() ? pick(n -> (n.mode & (ModelFileSystem.S_ISUID | ModelFileSystem.S_ISGID)) != 0) : any();
        return new Op.Chown(c, ino, uid, gid);
    }

    private Op utimens(Caller c) {
        long ino = any();
        TimeChange a;
        TimeChange m;
        if (mix.kernelTimes()) {
            TimeChange t = TimeChange.set(time());
            switch (random.nextInt(6)) {
                case 0 -> { a = t; m = t; }
                case 1 -> { a = t; m = TimeChange.OMIT; }
                case 2 -> { a = TimeChange.OMIT; m = t; }
                case 3 -> { a = TimeChange.NOW; m = TimeChange.OMIT; }
                case 4 -> { a = TimeChange.OMIT; m = TimeChange.NOW; }
                default -> { a = TimeChange.NOW; m = TimeChange.NOW; }
            }
        } else {
            a = timeChange();
            m = timeChange();
        }
        return new Op.Utimens(c, ino, a, m);
    }

    private TimeChange timeChange() {
        return switch (random.nextInt(4)) {
            case 0 -> TimeChange.OMIT;
            case 1 -> TimeChange.NOW;
            default -> TimeChange.set(time());
        };
    }

    /** Anywhere ext4 can store (1901..2446), a few past either end (clamped), any nanoseconds. */
    private Timestamp time() {
        long min = Integer.MIN_VALUE;
        long max = Integer.MAX_VALUE + (3L << 32);
        long seconds = switch (random.nextInt(10)) {
            case 0 -> min - random.nextInt(1000);
            case 1 -> max + random.nextInt(1000);
            case 2 -> random.nextInt(2) == 0 ? Integer.MAX_VALUE + random.nextInt(3) - 1 : -1 + random.nextInt(3);
            default -> min + (long) (random.nextDouble() * (max - min));
        };
        return new Timestamp(seconds, random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000));
    }

    /**
     * A setxattr, or a removal where the inode's attributes already take a quarter block: the
     * model does not know ext4's space accounting, so the draw stays clear of ENOSPC.
     */
    private Op setxattr(Caller c) {
        long ino = any();
        ModelFileSystem.Node n = model.node(ino);
        int used = n.xattrs.entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length + 20).sum();
        if (used > model.limits().blockSize() / 4 && !n.xattrs.isEmpty()) {
            return new Op.RemoveXattr(c, ino, n.xattrs.firstKey());
        }
        return new Op.SetXattr(c, ino, xattrName(), value(), random.nextInt(3));
    }

    private String xattrName() {
        String[] prefixes = {"user.", "user.", "user.", "trusted.", "bogus."};
        int length = random.nextInt(20) == 0 ? 250 + random.nextInt(10) : random.nextInt(12);
        StringBuilder sb = new StringBuilder(prefixes[random.nextInt(prefixes.length)]);
        for (int i = 0; i < length; i++) {
            sb.append((char) ('a' + random.nextInt(6)));
        }
        return sb.toString();
    }

    private byte[] value() {
        byte[] v = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(120)];
        random.nextBytes(v);
        return v;
    }

    /**
     * A collapse or insert on a regular file: mostly block-aligned ranges inside the file, some
     * reaching or passing its end, some unaligned, some with KEEP_SIZE (all refused alike).
     */
    private Op shiftRange(Caller c, int mode) {
        long bs = model.limits().blockSize();
        // Mostly root on files of a few blocks: a collapse needs a range that ends before i_size.
        Caller who = random.nextInt(4) == 0 ? c : ROOT;
        long ino = random.nextInt(4) == 0 ? regular() : pick(f -> f.type() == FileType.REGULAR && f.size > 2 * bs);
        ModelFileSystem.Node n = model.node(ino);
        int blocks = (int) Math.min(1 << 20, n == null ? 0 : (n.size + bs - 1) / bs);
        long offset = bs * random.nextInt(blocks + 2);
        long length = bs * (1 + random.nextInt(Math.max(1, random.nextBoolean() ? blocks / 2 : 8)));
        if (random.nextInt(10) == 0) {
            offset += 1 + random.nextInt((int) bs - 1);
        }
        if (random.nextInt(10) == 0) {
            length = 1 + random.nextInt((int) bs * 4);
        }
        if (random.nextInt(15) == 0) {
            mode |= WritableFileSystem.FALLOC_FL_KEEP_SIZE;
        }
        return new Op.Fallocate(who, ino, mode, offset, length);
    }

    private Op setflags(Caller c) {
        long ino = pick(n -> n.type() == FileType.REGULAR || n.isDir());
        int flags = model.getflags(ino);
        flags ^= FLAG_BITS[random.nextInt(FLAG_BITS.length)];
        if (random.nextInt(3) == 0) {
            flags ^= FLAG_BITS[random.nextInt(FLAG_BITS.length)];
        }
        if (random.nextInt(20) == 0) {
            flags |= 0x00800000;
        }
        return new Op.SetFlags(c, ino, flags);
    }
}
