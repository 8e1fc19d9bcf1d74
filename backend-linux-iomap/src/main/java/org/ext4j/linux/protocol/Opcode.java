package org.ext4j.linux.protocol;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The FUSE request opcodes, each with the protocol minor that introduced it. The table is sparse
 * (the experimental iomap opcodes sit at 4089..4095), so lookup goes through a map, never an array.
 */
public enum Opcode {
    LOOKUP(1, 0, true),
    FORGET(2, 0, false),
    GETATTR(3, 0, true),
    SETATTR(4, 0, true),
    READLINK(5, 0, true),
    SYMLINK(6, 0, true),
    MKNOD(8, 0, true),
    MKDIR(9, 0, true),
    UNLINK(10, 0, true),
    RMDIR(11, 0, true),
    RENAME(12, 0, true),
    LINK(13, 0, true),
    OPEN(14, 0, true),
    READ(15, 0, true),
    WRITE(16, 0, true),
    STATFS(17, 0, true),
    RELEASE(18, 0, true),
    FSYNC(20, 0, true),
    SETXATTR(21, 0, true),
    GETXATTR(22, 0, true),
    LISTXATTR(23, 0, true),
    REMOVEXATTR(24, 0, true),
    FLUSH(25, 0, true),
    INIT(26, 0, true),
    OPENDIR(27, 3, true),
    READDIR(28, 3, true),
    RELEASEDIR(29, 3, true),
    FSYNCDIR(30, 3, true),
    GETLK(31, 7, true),
    SETLK(32, 7, true),
    SETLKW(33, 7, true),
    ACCESS(34, 5, true),
    CREATE(35, 5, true),
    /** Interrupts an earlier request; never answered itself. */
    INTERRUPT(36, 8, false),
    BMAP(37, 9, true),
    DESTROY(38, 9, true),
    IOCTL(39, 11, true),
    POLL(40, 11, true),
    NOTIFY_REPLY(41, 15, false),
    BATCH_FORGET(42, 16, false),
    FALLOCATE(43, 19, true),
    READDIRPLUS(44, 21, true),
    RENAME2(45, 23, true),
    LSEEK(46, 24, true),
    COPY_FILE_RANGE(47, 28, true),
    SETUPMAPPING(48, 31, true),
    REMOVEMAPPING(49, 31, true),
    SYNCFS(50, 34, true),
    TMPFILE(51, 37, true),
    STATX(52, 39, true),
    COPY_FILE_RANGE_64(53, 45, true),
    // The iomap series is out of tree; its header calls the protocol minor 99 (unstable ABI).
    FREEZE_FS(4089, 99, true),
    UNFREEZE_FS(4090, 99, true),
    SHUTDOWN_FS(4091, 99, true),
    IOMAP_CONFIG(4092, 99, true),
    IOMAP_IOEND(4093, 99, true),
    IOMAP_BEGIN(4094, 99, true),
    IOMAP_END(4095, 99, true);

    private static final Map<Integer, Opcode> BY_CODE = new HashMap<>();

    static {
        for (Opcode op : values()) {
            BY_CODE.put(op.code, op);
        }
    }

    private final int code;
    private final int sinceMinor;
    private final boolean replied;

    Opcode(int code, int sinceMinor, boolean replied) {
        this.code = code;
        this.sinceMinor = sinceMinor;
        this.replied = replied;
    }

    /** The number on the wire ({@code fuse_in_header.opcode}). */
    public int code() {
        return code;
    }

    /** The protocol minor (7.x) that introduced this opcode; 99 for the experimental iomap series. */
    public int sinceMinor() {
        return sinceMinor;
    }

    /** False for the requests the kernel expects no answer to (FORGET, BATCH_FORGET, INTERRUPT, NOTIFY_REPLY). */
    public boolean expectsReply() {
        return replied;
    }

    /** The opcode with wire number {@code code}, or empty when this table does not know it. */
    public static Optional<Opcode> of(int code) {
        return Optional.ofNullable(BY_CODE.get(code));
    }
}
