package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_iomap_config_out} (iomap series, 104 bytes): the superblock facts the
 * kernel applies itself; {@code flags} says which fields are meaningful ({@code Iomap.CONFIG_*}).
 *
 * @param sid  s_id, at most 31 bytes (NUL-padded to 32)
 * @param uuid s_uuid, at most 16 bytes; its length goes into s_uuid_len
 */
public record IomapConfigOut(long flags, byte[] sid, byte[] uuid, int blockSize, int maxLinks, int timeGranularity,
        long timeMin, long timeMax, long maxBytes, int cacheMaxBytes) implements OutStruct {
    public static final int SIZE = 104;
    private static final int SID_SIZE = 32;
    private static final int UUID_SIZE = 16;

    public IomapConfigOut {
        if (sid.length >= SID_SIZE || uuid.length > UUID_SIZE) {
            throw new IllegalArgumentException("s_id of " + sid.length + " bytes or s_uuid of " + uuid.length);
        }
    }

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(flags).bytes(sid, 0, sid.length).zeros(SID_SIZE - sid.length)
                .bytes(uuid, 0, uuid.length).zeros(UUID_SIZE - uuid.length);
        w.bytes(new byte[] {(byte) uuid.length}, 0, 1).zeros(3);
        w.u32(blockSize).u32(maxLinks).u32(timeGranularity).u64(timeMin).u64(timeMax).u64(maxBytes)
                .u32(cacheMaxBytes).zeros(4);
    }
}
