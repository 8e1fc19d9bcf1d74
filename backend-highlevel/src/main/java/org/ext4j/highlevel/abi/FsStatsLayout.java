package org.ext4j.highlevel.abi;

import jnr.ffi.Pointer;
import org.ext4j.core.spi.StatFs;

/**
 * The structure the statfs operation fills: {@code struct statvfs} for libfuse3 on Linux and
 * FreeBSD ({@link StatvfsLayout}), another struct where a library's dialect hands over its own
 * (macFUSE with the Darwin extensions passes {@code struct statfs}).
 */
public interface FsStatsLayout {
    /** How many bytes the structure has (all of them are written). */
    int size();

    /** Fills {@code buffer} (at least {@link #size()} bytes) from the core's numbers, zeroing the rest. */
    void write(Pointer buffer, StatFs stats);
}
