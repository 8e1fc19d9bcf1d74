package org.ext4j.core.htree;

import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.spi.CorruptionException;
import org.junit.jupiter.api.Test;

/**
 * Hash collision runs that continue into following leaves, on hand-built index blocks (the
 * images mkfs and e2fsck make rarely contain one): the cursor must move on exactly while the next
 * index entry carries the same hash, across dx_node boundaries too.
 */
class HtreeIndexTest {
    private static final int BS = 1024;
    private static final byte[] NAME = "collide".getBytes(StandardCharsets.US_ASCII);
    private static final int H = DirHash.hash(NAME, DirHash.HALF_MD4, null).major();

    private final Map<Long, byte[]> blocks = new HashMap<>();

    @Test
    void followsACollisionRunAcrossLeaves() {
        blocks.put(0L, root(0, new long[] {1, 2, 3}, new int[] {0, H, H | 1}));
        HtreeIndex index = open(4);
        HtreeIndex.LeafCursor cursor = index.probe(NAME);
        assertEquals(H, cursor.hash());
        assertEquals(2, cursor.leaf());
        assertTrue(cursor.next(), "the next entry continues hash " + Integer.toHexString(H));
        assertEquals(3, cursor.leaf());
        assertFalse(cursor.next());
    }

    @Test
    void stopsWhenTheNextEntryHasAnotherHash() {
        blocks.put(0L, root(0, new long[] {1, 2, 3}, new int[] {0, H, H + 0x100}));
        HtreeIndex.LeafCursor cursor = open(4).probe(NAME);
        assertEquals(2, cursor.leaf());
        assertFalse(cursor.next());
    }

    @Test
    void followsACollisionRunAcrossDxNodes() {
        blocks.put(0L, root(1, new long[] {1, 2}, new int[] {0, H | 1}));
        blocks.put(1L, node(new long[] {3, 4}, new int[] {0, H}));
        blocks.put(2L, node(new long[] {5, 6}, new int[] {0, H + 0x100}));
        HtreeIndex index = open(7);
        HtreeIndex.LeafCursor cursor = index.probe(NAME);
        assertEquals(4, cursor.leaf());
        assertTrue(cursor.next());
        assertEquals(5, cursor.leaf(), "the run continues at the leftmost leaf of the next dx_node");
        assertFalse(cursor.next());
    }

    @Test
    void rejectsALeafOutsideTheDirectory() {
        blocks.put(0L, root(1, new long[] {1, 2}, new int[] {0, H | 1}));
        blocks.put(1L, node(new long[] {3, 40}, new int[] {0, H}));
        CorruptionException e = assertThrows(CorruptionException.class, () -> open(7).probe(NAME).leaf());
        assertDamage(e, CorruptionException.Structure.HTREE, 12);
    }

    @Test
    void rejectsADxNodeThatIsItsOwnChild() {
        blocks.put(0L, root(2, new long[] {1, 2}, new int[] {0, H | 1}));
        blocks.put(1L, node(new long[] {1, 1}, new int[] {0, H}));
        CorruptionException e = assertThrows(CorruptionException.class, () -> open(7, true).probe(NAME));
        assertDamage(e, CorruptionException.Structure.HTREE, 12);
    }

    @Test
    void rejectsTooManyLevelsAndBadCounts() {
        blocks.put(0L, root(2, new long[] {1, 2}, new int[] {0, H}));
        assertThrows(CorruptionException.class, () -> open(7));
        byte[] root = root(0, new long[] {1, 2}, new int[] {0, H});
        LittleEndian.put16(root, DxBlock.ROOT_ENTRIES + DxBlock.COUNT, 0);
        blocks.put(0L, root);
        assertThrows(CorruptionException.class, () -> open(7));
        root = root(0, new long[] {1, 2, 3}, new int[] {0, H + 8, H});
        blocks.put(0L, root);
        assertThrows(CorruptionException.class, () -> open(7), "hashes out of order");
    }

    private HtreeIndex open(long dirBlocks) {
        return open(dirBlocks, false);
    }

    private HtreeIndex open(long dirBlocks, boolean largeDir) {
        DxBlock.Context ctx = new DxBlock.Context(12, BS, false, 0); // directory inode 12
        HtreeIndex.Settings settings = new HtreeIndex.Settings(ctx, dirBlocks, largeDir, false, null);
        return HtreeIndex.open(blocks.get(0L), settings, lblk -> {
            byte[] b = blocks.get(lblk);
            if (b == null) {
                throw new CorruptionException(CorruptionException.Structure.HTREE, "no block " + lblk);
            }
            return b;
        });
    }

    private static byte[] root(int levels, long[] children, int[] hashes) {
        byte[] b = new byte[BS];
        LittleEndian.put32(b, 0, 12);
        LittleEndian.put16(b, 4, 12);
        b[6] = 1;
        b[7] = 2;
        b[8] = '.';
        LittleEndian.put32(b, 12, 2);
        LittleEndian.put16(b, 16, BS - 12);
        b[18] = 2;
        b[19] = 2;
        b[20] = '.';
        b[21] = '.';
        b[DxBlock.INFO_HASH_VERSION] = DirHash.HALF_MD4;
        b[DxBlock.INFO_INFO_LENGTH] = DxBlock.DX_ROOT_INFO_SIZE;
        b[DxBlock.INFO_INDIRECT_LEVELS] = (byte) levels;
        entries(b, DxBlock.ROOT_ENTRIES, children, hashes);
        return b;
    }

    private static byte[] node(long[] children, int[] hashes) {
        byte[] b = new byte[BS];
        LittleEndian.put16(b, 4, BS);
        entries(b, DxBlock.NODE_ENTRIES, children, hashes);
        return b;
    }

    private static void entries(byte[] b, int at, long[] children, int[] hashes) {
        LittleEndian.put16(b, at + DxBlock.LIMIT, (BS - at) / DxBlock.ENTRY_SIZE);
        LittleEndian.put16(b, at + DxBlock.COUNT, children.length);
        for (int i = 0; i < children.length; i++) {
            if (i > 0) {
                LittleEndian.put32(b, at + i * DxBlock.ENTRY_SIZE + DxBlock.ENTRY_HASH, hashes[i]);
            }
            LittleEndian.put32(b, at + i * DxBlock.ENTRY_SIZE + DxBlock.ENTRY_BLOCK, children[i]);
        }
    }
}
