package org.ext4j.core.fs;

import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.extent.FileContentWriter;
import org.ext4j.core.xattr.XattrWriter;

/**
 * The block allocator and the writers over it, made once per volume on its first write (making
 * them reads nothing, but refuses what the allocator cannot handle, such as bigalloc bitmaps, so
 * a read-only volume never makes them). Each is immutable and shared by every thread.
 *
 * @param allocator block allocation, as file data, xattr blocks and block-map conversions use it
 * @param files file data: writes, truncates, preallocation, hole punching, range shifts
 * @param xattrs extended attributes and ACLs (may use the reserved blocks, as the kernel's xattr code may)
 */
record Writers(BlockAllocator allocator, FileContentWriter files, XattrWriter xattrs) {
    static Writers of(Ext4FileSystem fs) {
        BlockAllocator allocator = new BlockAllocator(new GroupAccounting(fs));
        return new Writers(allocator, new FileContentWriter(allocator, false), new XattrWriter(allocator));
    }
}
