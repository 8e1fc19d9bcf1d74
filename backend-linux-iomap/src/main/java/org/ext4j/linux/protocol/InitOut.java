package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_init_out} (64 bytes): the server's answer to INIT. Fields after
 * {@code time_gran}: {@code max_pages} and {@code map_alignment} (7.28, 7.31), {@code flags2}
 * (7.36), {@code max_stack_depth} (7.40), {@code request_timeout} (7.43), then reserved zeros.
 *
 * @param flags the 64-bit capability set; the high half is written to flags2
 */
public record InitOut(int major, int minor, int maxReadahead, long flags, int maxBackground,
        int congestionThreshold, int maxWrite, int timeGran, int maxPages, int mapAlignment, int maxStackDepth,
        int requestTimeout) implements OutStruct {

    public static final int SIZE = 64;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u32(major).u32(minor).u32(maxReadahead).u32((int) flags)
                .u16(maxBackground).u16(congestionThreshold).u32(maxWrite).u32(timeGran)
                .u16(maxPages).u16(mapAlignment).u32((int) (flags >>> 32)).u32(maxStackDepth)
                .u16(requestTimeout).zeros(22);
    }
}
