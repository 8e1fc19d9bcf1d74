package org.ext4j.core.alloc;

import java.util.Arrays;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.view.BlockReader;

/**
 * The group descriptor table as the write path sees it: where each descriptor lives (which block,
 * which offset, meta_bg aware) and the current descriptor read through a {@link BlockReader}, so
 * a transaction sees its own changes and everyone else the committed state. The filesystem's own
 * descriptor cache is used once per group to verify the on-disk checksum and locations.
 */
public final class GroupTable {
    private final DiskView fs;
    private final Superblock sb;

    public GroupTable(DiskView fs) {
        this.fs = fs;
        this.sb = fs.superblock();
    }

    public long groupCount() {
        return sb.groupCount();
    }

    /** The block holding the descriptor of {@code group}. */
    public long descriptorBlock(long group) {
        checkGroup(group);
        return sb.groupDescriptorBlock(group);
    }

    /** Byte offset of the descriptor of {@code group} within {@link #descriptorBlock}. */
    public int descriptorOffset(long group) {
        return sb.groupDescriptorOffset(group);
    }

    /** The descriptor of {@code group} as {@code src} sees it. */
    public GroupDescriptor descriptor(BlockReader src, long group) {
        checkGroup(group);
        fs.group(group);
        byte[] block = src.readShared(descriptorBlock(group));
        int off = descriptorOffset(group);
        return new GroupDescriptor(group, Arrays.copyOfRange(block, off, off + sb.descSize()));
    }

    /**
     * The descriptors of groups {@code first} .. {@code first + count - 1}, reading each
     * descriptor block once (for scans over many groups).
     */
    public GroupDescriptor[] descriptors(BlockReader src, long first, int count) {
        if (count < 0 || first < 0 || first > groupCount() - count) {
            throw new IllegalArgumentException("groups " + first + " (+" + count + ") out of range");
        }
        GroupDescriptor[] out = new GroupDescriptor[count];
        long cachedBlock = -1;
        byte[] block = null;
        for (int i = 0; i < count; i++) {
            long g = first + i;
            fs.group(g);
            long b = descriptorBlock(g);
            if (b != cachedBlock) {
                block = src.readShared(b);
                cachedBlock = b;
            }
            int off = descriptorOffset(g);
            out[i] = new GroupDescriptor(g, Arrays.copyOfRange(block, off, off + sb.descSize()));
        }
        return out;
    }

    private void checkGroup(long group) {
        if (group < 0 || group >= groupCount()) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, "group " + group + " does not exist (" + groupCount() + " groups)");
        }
    }
}
