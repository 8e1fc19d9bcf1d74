package org.ext4j.core.ops;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/**
 * How often each kind of operation is drawn (relative weights; 0 = never), and the shape of
 * the times utimensat gets. Immutable: the {@code with} methods return a changed copy.
 *
 * @param kernelTimes draw only time pairs that touch(1) can express (both set to one time, one
 *                    set and the other omitted, NOW with OMIT, or both NOW), for kernel runs; such
 *                    runs also pick targets by path, not by inode number, since the kernel numbers
 *                    new inodes its own way
 * @param renameFlags the RENAME_* bits a rename may carry (a drawn rename with others has none),
 *                    for a host that cannot express them all (macOS has no RENAME_WHITEOUT)
 */
public record OpMix(Map<OpKind, Integer> weights, boolean kernelTimes, int renameFlags) {

    /** Every RENAME_* flag the core knows. */
    static final int ALL_RENAME_FLAGS = 7;

    public OpMix(Map<OpKind, Integer> weights, boolean kernelTimes) {
        this(weights, kernelTimes, ALL_RENAME_FLAGS);
    }

    /** Every operation, weighted toward the ones that build up state (files, directories, content). */
    public static OpMix all() {
        Map<OpKind, Integer> w = new EnumMap<>(OpKind.class);
        w.put(OpKind.CREATE, 12);
        w.put(OpKind.MKDIR, 6);
        w.put(OpKind.MKNOD, 2);
        w.put(OpKind.SYMLINK, 4);
        w.put(OpKind.LINK, 4);
        w.put(OpKind.UNLINK, 6);
        w.put(OpKind.RMDIR, 3);
        w.put(OpKind.RENAME, 8);
        w.put(OpKind.WRITE, 12);
        w.put(OpKind.TRUNCATE, 5);
        w.put(OpKind.CHMOD, 5);
        w.put(OpKind.CHOWN, 4);
        w.put(OpKind.UTIMENS, 5);
        w.put(OpKind.SETXATTR, 5);
        w.put(OpKind.REMOVEXATTR, 2);
        w.put(OpKind.SETFLAGS, 2);
        w.put(OpKind.COLLAPSE_RANGE, 3);
        w.put(OpKind.INSERT_RANGE, 3);
        w.put(OpKind.TMPFILE, 2);
        return new OpMix(w, false);
    }

    /** chmod, chown, utimensat and setflags only: what needs no new on-disk structures. */
    public static OpMix attributes() {
        Map<OpKind, Integer> w = new EnumMap<>(OpKind.class);
        w.put(OpKind.CHMOD, 5);
        w.put(OpKind.CHOWN, 4);
        w.put(OpKind.UTIMENS, 6);
        w.put(OpKind.SETFLAGS, 2);
        return new OpMix(w, false);
    }

    public OpMix {
        weights = Map.copyOf(weights);
    }

    /** This mix with {@code kind} at {@code weight}. */
    public OpMix with(OpKind kind, int weight) {
        Map<OpKind, Integer> w = new EnumMap<>(OpKind.class);
        w.putAll(weights);
        w.put(kind, weight);
        return new OpMix(w, kernelTimes, renameFlags);
    }

    /** This mix with renames carrying only the RENAME_* bits in {@code allowed}. */
    public OpMix withRenameFlags(int allowed) {
        return new OpMix(weights, kernelTimes, allowed);
    }

    /** This mix restricted to times touch(1) can set. */
    public OpMix withKernelTimes() {
        return new OpMix(weights, true, renameFlags);
    }

    /** Draws a kind by weight. */
    OpKind draw(Random random) {
        int total = weights.values().stream().mapToInt(Integer::intValue).sum();
        if (total <= 0) {
            throw new IllegalStateException("the operation mix has no weights");
        }
        int pick = random.nextInt(total);
        for (OpKind kind : OpKind.values()) {
            int w = weights.getOrDefault(kind, 0);
            if (pick < w) {
                return kind;
            }
            pick -= w;
        }
        throw new IllegalStateException("unreachable");
    }
}
