package org.ext4j.linux.dispatch;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * How many references the kernel holds on each node: +1 for each LOOKUP entry and each
 * READDIRPLUS entry other than "." and "..", minus what FORGET and BATCH_FORGET return. A node
 * with a count is one the kernel may still name, so its inode must stay alive even when its last
 * link goes: the filesystem is told of the first reference and of the last FORGET
 * ({@link org.ext4j.core.spi.InodeFileSystem#retain}, {@link org.ext4j.core.spi.InodeFileSystem#forget}).
 */
public final class LookupCounts {
    private final ConcurrentHashMap<Long, Long> counts = new ConcurrentHashMap<>();
    private final LongConsumer onFirst;
    private final LongConsumer onLast;

    /** Counts without telling anyone (for tests of the counting itself). */
    public LookupCounts() {
        this(n -> { }, n -> { });
    }

    /**
     * Counts, calling {@code onFirst} when a node gains its first reference (before the reply
     * that hands it to the kernel, so a FORGET can never overtake it) and {@code onLast} when
     * FORGET takes its last one.
     */
    public LookupCounts(LongConsumer onFirst, LongConsumer onLast) {
        this.onFirst = onFirst;
        this.onLast = onLast;
    }

    /** Records one more reference the kernel took on {@code nodeId}. */
    public void increment(long nodeId) {
        if (counts.merge(nodeId, 1L, Long::sum) == 1L) {
            onFirst.accept(nodeId);
        }
    }

    /** The kernel dropped {@code n} references; the node is forgotten at zero. */
    public void forget(long nodeId, long n) {
        boolean[] last = {false};
        counts.computeIfPresent(nodeId, (k, v) -> {
            if (v - n > 0) {
                return v - n;
            }
            last[0] = true;
            return null;
        });
        if (last[0]) {
            onLast.accept(nodeId);
        }
    }

    /** References held on {@code nodeId} (0 when unknown). */
    public long count(long nodeId) {
        return counts.getOrDefault(nodeId, 0L);
    }

    /** Number of nodes with references. */
    public int size() {
        return counts.size();
    }
}
