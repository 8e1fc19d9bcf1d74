package org.ext4j.linux.dispatch;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many references the kernel holds on each node: +1 for each LOOKUP entry and each
 * READDIRPLUS entry other than "." and "..", minus what FORGET and BATCH_FORGET return. A node
 * with a count is one the kernel may still name, so its inode must stay reachable (this is what
 * will keep unlinked-but-known inodes alive once the write path lands).
 */
public final class LookupCounts {
    private final ConcurrentHashMap<Long, Long> counts = new ConcurrentHashMap<>();

    /** Records one more reference the kernel took on {@code nodeId}. */
    public void increment(long nodeId) {
        counts.merge(nodeId, 1L, Long::sum);
    }

    /** The kernel dropped {@code n} references; the node is forgotten at zero. */
    public void forget(long nodeId, long n) {
        counts.computeIfPresent(nodeId, (k, v) -> v - n > 0 ? v - n : null);
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
