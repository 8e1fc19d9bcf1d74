package org.ext4j.core.spi;

/**
 * What statfs(2) reports: sizes in blocks of {@code blockSize}, counts of inodes.
 *
 * @param blocksAvailable free blocks an unprivileged user may use (free minus reserved)
 */
public record StatFs(int blockSize, long blocks, long blocksFree, long blocksAvailable, long files,
        long filesFree, int maxNameLength, byte[] uuid) {
}
