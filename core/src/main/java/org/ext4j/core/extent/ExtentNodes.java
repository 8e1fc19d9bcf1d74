package org.ext4j.core.extent;

import static org.ext4j.core.extent.ExtentTree.EE_BLOCK;
import static org.ext4j.core.extent.ExtentTree.EE_LEN;
import static org.ext4j.core.extent.ExtentTree.EE_START_HI;
import static org.ext4j.core.extent.ExtentTree.EE_START_LO;
import static org.ext4j.core.extent.ExtentTree.EH_DEPTH;
import static org.ext4j.core.extent.ExtentTree.EH_ENTRIES;
import static org.ext4j.core.extent.ExtentTree.EH_MAGIC;
import static org.ext4j.core.extent.ExtentTree.EH_MAX;
import static org.ext4j.core.extent.ExtentTree.EI_BLOCK;
import static org.ext4j.core.extent.ExtentTree.EI_LEAF_HI;
import static org.ext4j.core.extent.ExtentTree.EI_LEAF_LO;
import static org.ext4j.core.extent.ExtentTree.ENTRY_SIZE;
import static org.ext4j.core.extent.ExtentTree.EXT4_EXT_MAGIC;
import static org.ext4j.core.extent.ExtentTree.EXT_INIT_MAX_LEN;
import static org.ext4j.core.extent.ExtentTree.HEADER_SIZE;

import java.util.Arrays;
import org.ext4j.core.disk.LittleEndian;

/**
 * The layout of one extent tree node (the 60-byte root in i_block or a tree block): the
 * ext4_extent_header, then entries that are ext4_extent in a leaf and ext4_extent_idx above it,
 * read and written in place in the node's bytes. Entry {@code i}'s key (ee_block / ei_block)
 * sits at the same offset in both kinds.
 */
final class ExtentNodes {
    private ExtentNodes() {
    }

    static int entries(byte[] b) {
        return LittleEndian.u16(b, EH_ENTRIES);
    }

    static int maxEntries(byte[] b) {
        return LittleEndian.u16(b, EH_MAX);
    }

    static int depth(byte[] b) {
        return LittleEndian.u16(b, EH_DEPTH);
    }

    static int at(int i) {
        return HEADER_SIZE + i * ENTRY_SIZE;
    }

    /** ee_block or ei_block (same offset in both entry kinds). */
    static long key(byte[] b, int i) {
        return LittleEndian.u32(b, at(i) + EE_BLOCK);
    }

    static int rawLength(byte[] b, int i) {
        return LittleEndian.u16(b, at(i) + EE_LEN);
    }

    static boolean unwritten(byte[] b, int i) {
        return rawLength(b, i) > EXT_INIT_MAX_LEN;
    }

    static long length(byte[] b, int i) {
        int raw = rawLength(b, i);
        return raw > EXT_INIT_MAX_LEN ? raw - EXT_INIT_MAX_LEN : raw;
    }

    static long start(byte[] b, int i) {
        return LittleEndian.u32(b, at(i) + EE_START_LO) | (long) LittleEndian.u16(b, at(i) + EE_START_HI) << 32;
    }

    static long child(byte[] b, int i) {
        return LittleEndian.u32(b, at(i) + EI_LEAF_LO) | (long) LittleEndian.u16(b, at(i) + EI_LEAF_HI) << 32;
    }

    static void setExtent(byte[] b, int i, long lblk, long pblk, long len, boolean uninit) {
        int off = at(i);
        LittleEndian.put32(b, off + EE_BLOCK, lblk);
        LittleEndian.put16(b, off + EE_LEN, (int) (uninit ? len + EXT_INIT_MAX_LEN : len));
        LittleEndian.put16(b, off + EE_START_HI, (int) (pblk >>> 32));
        LittleEndian.put32(b, off + EE_START_LO, pblk);
    }

    static void setLength(byte[] b, int i, long len, boolean uninit) {
        LittleEndian.put16(b, at(i) + EE_LEN, (int) (uninit ? len + EXT_INIT_MAX_LEN : len));
    }

    static void setIndex(byte[] b, int i, long lblk, long childPblk) {
        int off = at(i);
        LittleEndian.put32(b, off + EI_BLOCK, lblk);
        LittleEndian.put32(b, off + EI_LEAF_LO, childPblk);
        LittleEndian.put16(b, off + EI_LEAF_HI, (int) (childPblk >>> 32));
        // ei_unused: kept zero as the kernel writes it.
        LittleEndian.put16(b, off + EI_LEAF_HI + 2, 0);
    }

    static void setKey(byte[] b, int i, long lblk) {
        LittleEndian.put32(b, at(i) + EE_BLOCK, lblk);
    }

    static void setHeader(byte[] b, int entries, int max, int depth) {
        LittleEndian.put16(b, EH_MAGIC, EXT4_EXT_MAGIC);
        LittleEndian.put16(b, EH_ENTRIES, entries);
        LittleEndian.put16(b, EH_MAX, max);
        LittleEndian.put16(b, EH_DEPTH, depth);
    }

    /** Opens a gap at entry {@code i} (entries i.. move one slot right). */
    static void insertSlot(byte[] b, int i) {
        int n = entries(b);
        System.arraycopy(b, at(i), b, at(i + 1), (n - i) * ENTRY_SIZE);
        LittleEndian.put16(b, EH_ENTRIES, n + 1);
    }

    /** Closes entry {@code i} (entries after it move one slot left). */
    static void removeSlot(byte[] b, int i) {
        int n = entries(b);
        System.arraycopy(b, at(i + 1), b, at(i), (n - i - 1) * ENTRY_SIZE);
        Arrays.fill(b, at(n - 1), at(n), (byte) 0);
        LittleEndian.put16(b, EH_ENTRIES, n - 1);
    }

    /** Index of the last entry whose key is at or before {@code lblk}, or -1. */
    static int lastAtOrBefore(byte[] b, long lblk) {
        int lo = 0;
        int hi = entries(b) - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (key(b, mid) <= lblk) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
