package org.ext4j.linux.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct fuse_batch_forget_in} (7.16, 8 bytes) followed by {@code count}
 * {@code struct fuse_forget_one} (16 bytes each: nodeid, nlookup).
 */
public record BatchForgetIn(List<ForgetOne> forgets) {
    /** One node and how many lookups of it the kernel forgets. */
    public record ForgetOne(long nodeId, long nlookup) {
        public static final int SIZE = 16;
    }

    public static BatchForgetIn decode(BodyReader body) throws FuseDecodeException {
        long count = Integer.toUnsignedLong(body.u32());
        body.skip(4);
        // The count comes from the kernel, but check it against the bytes present before allocating.
        body.require((int) Math.min(Integer.MAX_VALUE, count * ForgetOne.SIZE), count + " fuse_forget_one records");
        List<ForgetOne> list = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            list.add(new ForgetOne(body.u64(), body.u64()));
        }
        return new BatchForgetIn(list);
    }
}
