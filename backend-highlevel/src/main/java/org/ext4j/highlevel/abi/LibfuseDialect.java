package org.ext4j.highlevel.abi;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which variant of the libfuse3 high-level API a library speaks: libfuse3 itself (Linux,
 * FreeBSD), or a port that changed signatures, such as macFUSE with its Darwin extensions on.
 * The binding registers each callback with the signature the dialect gives it.
 *
 * @param name          for messages
 * @param operations    the slot order of its {@code struct fuse_operations}
 * @param xattrPosition setxattr and getxattr take a trailing {@code uint32_t position} (macFUSE:
 *                      the offset into a resource fork)
 * @param devWidth      sizeof(dev_t), the width of mknod's device argument (8 on Linux and FreeBSD,
 *                      4 on macOS)
 * @param versionFlags  the last word of the {@code struct libfuse_version} handed to
 *                      {@code _fuse_new_31}: padding (0) in libfuse3, the Darwin-extensions bit in
 *                      macFUSE; a dialect with flags always goes through {@code _fuse_new_31}
 * @param unserved      operations the binding leaves empty in this dialect although it has them,
 *                      because the host cannot express what ext4j does for them (the port
 *                      defining the dialect says why)
 * @param entryPoints   the names, version numbering and loop the library exports
 * @param fileHandle    where {@code struct fuse_file_info} keeps {@code fh} (16 in libfuse3, whose
 *                      bit-fields fill two words; 8 in WinFsp's 3.2-era struct)
 * @param wantedCapabilities capability bits of {@code fuse_conn_info} the binding asks for when
 *                      the library offers them, beyond libfuse3's own set (WinFsp: READDIRPLUS,
 *                      which its FUSE layer leaves off unless asked)
 * @param readOnlyCapability the capability bit that marks the whole volume read-only to the host
 *                      (WinFsp's FSP_FUSE_CAP_READ_ONLY, so that Explorer shows a write-protected
 *                      drive), asked for when the volume is read-only; 0 where the mount option
 *                      {@code ro} says it
 */
public record LibfuseDialect(String name, OperationSlots operations, boolean xattrPosition, int devWidth,
        int versionFlags, Set<Operation> unserved, EntryPoints entryPoints, Field fileHandle, long wantedCapabilities,
        long readOnlyCapability) {

    /** libfuse3 (Linux, FreeBSD): the 42-slot table, 64-bit dev_t, no position, padding 0. */
    public static final LibfuseDialect LIBFUSE3 = new LibfuseDialect("libfuse3", OperationSlots.LIBFUSE3, false, 8, 0,
            Set.of());

    public LibfuseDialect {
        unserved = unserved.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(unserved));
        if (devWidth != 4 && devWidth != 8) {
            throw new IllegalArgumentException("dev_t is 4 or 8 bytes, not " + devWidth);
        }
        if (entryPoints == null || fileHandle == null || fileHandle.width() != 8) {
            throw new IllegalArgumentException("a dialect needs its entry points and the 8-byte fh of fuse_file_info");
        }
    }

    /** A dialect with libfuse3's entry points, fuse_file_info and capability handling. */
    public LibfuseDialect(String name, OperationSlots operations, boolean xattrPosition, int devWidth,
            int versionFlags, Set<Operation> unserved) {
        this(name, operations, xattrPosition, devWidth, versionFlags, unserved, EntryPoints.LIBFUSE3,
                LibfuseAbi.FI_FH, 0, 0);
    }

    /** True when the binding registers {@code op}: the table has its slot and the dialect serves it. */
    public boolean serves(Operation op) {
        return operations.has(op) && !unserved.contains(op);
    }
}
