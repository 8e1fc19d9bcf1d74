package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_rename_in} (RENAME, 8 bytes) or {@code struct fuse_rename2_in} (RENAME2,
 * 7.23, 16 bytes with the renameat2 flags), then the old and the new name.
 */
public record RenameIn(long newDir, int flags, byte[] oldName, byte[] newName) {
    public static RenameIn decode(BodyReader body, boolean withFlags) throws FuseDecodeException {
        long newDir = body.u64();
        int flags = 0;
        if (withFlags) {
            flags = body.u32();
            body.skip(4);
        }
        byte[] oldName = body.cString();
        return new RenameIn(newDir, flags, oldName, body.cString());
    }
}
