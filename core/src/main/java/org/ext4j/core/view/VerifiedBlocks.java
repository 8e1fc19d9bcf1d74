package org.ext4j.core.view;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which shared block arrays already passed their read-time checks, as the kernel's
 * {@code buffer_verified} flag remembers it per buffer: a bitmap verified once is not checksummed
 * again at every transaction that frees or allocates in its group. The memory is of the very
 * array (by identity), so it holds only for arrays nobody changes behind the filesystem's back:
 * the block cache's committed arrays, which are never modified after install, and a
 * transaction's working copy, which only the filesystem's own checked edits change. An array
 * read afresh from the device is always a new one and is checked again. Direct-mapped by block
 * number, so its size stays fixed however large the disk. Thread-safe.
 */
public final class VerifiedBlocks {
    private record Verified(long pblk, byte[] content) {
    }

    private final AtomicReferenceArray<Verified> slots;

    VerifiedBlocks(int slots) {
        this.slots = new AtomicReferenceArray<>(Math.max(1, slots));
    }

    /** True when this very array passed its checks as block {@code pblk}. */
    public boolean contains(long pblk, byte[] content) {
        Verified v = slots.get(slot(pblk));
        return v != null && v.pblk() == pblk && v.content() == content;
    }

    /** Records that {@code content}, shared as block {@code pblk}, passed its checks. */
    public void add(long pblk, byte[] content) {
        slots.set(slot(pblk), new Verified(pblk, content));
    }

    private int slot(long pblk) {
        return (int) Long.remainderUnsigned(pblk, slots.length());
    }
}
