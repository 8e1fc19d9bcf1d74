package org.ext4j.core.view;

import static org.ext4j.core.disk.LittleEndian.put16;
import static org.ext4j.core.disk.LittleEndian.put32;
import static org.ext4j.core.disk.LittleEndian.put64;
import static org.ext4j.core.disk.LittleEndian.u16;
import static org.ext4j.core.disk.LittleEndian.u32;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.spi.CorruptionException;

/**
 * What the filesystem does when it finds itself damaged, as the kernel's ext4_error does: the
 * error is counted and remembered (first and last: time, inode, block, where, error code) in the
 * superblock, s_state gains EXT4_ERROR_FS so the next fsck is forced, and by the errors= behaviour
 * (s_errors, or the mount option) the filesystem either continues or stops writing. A user-space
 * driver cannot panic the machine; "panic" stops writing as "remount-ro" does.
 *
 * <p>Recording is cheap and may happen anywhere, inside a transaction or not; the transaction
 * manager writes a pending record into the superblock when the current handle ends (see
 * {@link #hasUnsaved()}). A read-only filesystem keeps the record in memory only.
 */
public final class FsErrors {
    /** The errors= behaviour (s_errors values 1, 2, 3). */
    public enum Behaviour {
        CONTINUE, REMOUNT_RO, PANIC;

        /** The behaviour an s_errors value names; anything else (0 included) is the kernel's default, continue. */
        public static Behaviour ofSuperblock(int sErrors) {
            return sErrors == 2 ? REMOUNT_RO : sErrors == 3 ? PANIC : CONTINUE;
        }
    }

    /** ext4's architecture-neutral code (EXT4_ERR_EFSCORRUPTED) for an inconsistency, which the superblock stores. */
    public static final int ERR_EFSCORRUPTED = 5;

    // The error fields of struct ext4_super_block.
    static final int S_ERROR_COUNT = 0x194;
    static final int S_FIRST_ERROR_TIME = 0x198;
    static final int S_FIRST_ERROR_INO = 0x19C;
    static final int S_FIRST_ERROR_BLOCK = 0x1A0;
    static final int S_FIRST_ERROR_FUNC = 0x1A8;
    static final int S_FIRST_ERROR_LINE = 0x1C8;
    static final int S_LAST_ERROR_TIME = 0x1CC;
    static final int S_LAST_ERROR_INO = 0x1D0;
    static final int S_LAST_ERROR_LINE = 0x1D4;
    static final int S_LAST_ERROR_BLOCK = 0x1D8;
    static final int S_LAST_ERROR_FUNC = 0x1E0;
    static final int S_FIRST_ERROR_TIME_HI = 0x278;
    static final int S_LAST_ERROR_TIME_HI = 0x279;
    static final int S_FIRST_ERROR_ERRCODE = 0x27A;
    static final int S_LAST_ERROR_ERRCODE = 0x27B;
    static final int FUNC_LEN = 32;

    /** One error: when, which inode and block (0 when unknown), where it was found, its code, and the message. */
    public record Error(long time, long ino, long block, String function, int code, String message) {
    }

    /** Groups whose block bitmap proved wrong this mount (EXT4_GROUP_INFO_BBITMAP_CORRUPT): no allocation there. */
    private final Set<Long> badBlockBitmaps = ConcurrentHashMap.newKeySet();
    /** Groups whose inode bitmap proved wrong this mount (EXT4_GROUP_INFO_IBITMAP_CORRUPT). */
    private final Set<Long> badInodeBitmaps = ConcurrentHashMap.newKeySet();
    private final Behaviour behaviour;
    private final LongSupplier clock;
    private Error first;
    private Error last;
    private long count;
    /** Errors recorded since the last save into the superblock. */
    private long pendingCount;
    private boolean unsaved;
    private volatile String stoppedWriting;

    /**
     * @param behaviour what an error does to writes
     * @param clock     seconds since the epoch, for the error times
     */
    public FsErrors(Behaviour behaviour, LongSupplier clock) {
        this.behaviour = behaviour;
        this.clock = clock;
    }

    public Behaviour behaviour() {
        return behaviour;
    }

    /**
     * Records an error found in {@code function} (a short name of the check, as the kernel's
     * __func__) about inode {@code ino} and block {@code block}. With remount-ro or panic the
     * filesystem takes no new handle from now on.
     */
    public synchronized void record(long ino, long block, String function, int code, String message) {
        Error e = new Error(clock.getAsLong(), ino, block, function, code, message);
        if (first == null) {
            first = e;
        }
        last = e;
        count++;
        pendingCount++;
        unsaved = true;
        if (behaviour != Behaviour.CONTINUE && stoppedWriting == null) {
            // As ext4_handle_error does at once: no handle starts after this; the record itself is still saved.
            stoppedWriting = "errors=" + (behaviour == Behaviour.PANIC ? "panic" : "remount-ro")
                    + " and an error was found: " + message + "; run e2fsck -f on the image";
        }
    }

    /**
     * Records an inconsistency in {@code structure} found in {@code function} about inode
     * {@code ino} (and block {@code block}, {@link CorruptionException#NO_BLOCK} when none) and
     * returns the CorruptionException to throw, carrying the same structure, inode and block.
     */
    public CorruptionException corruption(CorruptionException.Structure structure, long ino, long block, String function,
            String message) {
        record(ino, block == CorruptionException.NO_BLOCK ? 0 : block, function, ERR_EFSCORRUPTED, message);
        return new CorruptionException(structure, ino, block, message);
    }

    /**
     * Records that group {@code group}'s block bitmap contradicts the filesystem ({@code message}
     * says how): the allocator leaves the group alone for the rest of the mount, as the kernel's
     * EXT4_GROUP_INFO_BBITMAP_CORRUPT makes it.
     */
    public void blockBitmapCorrupt(long group, long block, String message) {
        if (badBlockBitmaps.add(group)) {
            record(0, block, "ext4_mb_mark_diskspace_used", ERR_EFSCORRUPTED, message);
        }
    }

    /** Like {@link #blockBitmapCorrupt} for the inode bitmap (EXT4_GROUP_INFO_IBITMAP_CORRUPT). */
    public void inodeBitmapCorrupt(long group, long ino, String message) {
        if (badInodeBitmaps.add(group)) {
            record(ino, 0, "__ext4_new_inode", ERR_EFSCORRUPTED, message);
        }
    }

    /** True when the block allocator must skip group {@code group}. */
    public boolean isBlockBitmapCorrupt(long group) {
        return badBlockBitmaps.contains(group);
    }

    /** True when the inode allocator must skip group {@code group}. */
    public boolean isInodeBitmapCorrupt(long group) {
        return badInodeBitmaps.contains(group);
    }

    /** Errors recorded by this mount. */
    public synchronized long count() {
        return count;
    }

    /** The last error recorded by this mount, or null. */
    public synchronized Error last() {
        return last;
    }

    /** True when a record waits to be written into the superblock. */
    public synchronized boolean hasUnsaved() {
        return unsaved;
    }

    /**
     * Writes the pending record into the 1024 superblock bytes at {@code off} of {@code block}
     * and sets the superblock checksum (the caller marks the block dirty), as ext4's
     * __save_error_info does: s_state |= ERROR_FS, s_error_count += the new errors, the first
     * error only if none was stored, the last error always.
     */
    public synchronized void saveInto(byte[] block, int off, boolean metadataCsum) {
        if (!unsaved) {
            return;
        }
        int state = u16(block, off + Superblock.S_STATE);
        put16(block, off + Superblock.S_STATE, state | Superblock.STATE_ERROR_FS);
        long stored = u32(block, off + S_ERROR_COUNT);
        put32(block, off + S_ERROR_COUNT, Math.min(0xFFFFFFFFL, stored + pendingCount));
        if (u32(block, off + S_FIRST_ERROR_TIME) == 0 && block[off + S_FIRST_ERROR_TIME_HI] == 0) {
            put(block, off, first, S_FIRST_ERROR_TIME, S_FIRST_ERROR_TIME_HI, S_FIRST_ERROR_INO, S_FIRST_ERROR_BLOCK,
                    S_FIRST_ERROR_FUNC, S_FIRST_ERROR_LINE, S_FIRST_ERROR_ERRCODE);
        }
        put(block, off, last, S_LAST_ERROR_TIME, S_LAST_ERROR_TIME_HI, S_LAST_ERROR_INO, S_LAST_ERROR_BLOCK,
                S_LAST_ERROR_FUNC, S_LAST_ERROR_LINE, S_LAST_ERROR_ERRCODE);
        if (metadataCsum) {
            put32(block, off + Superblock.S_CHECKSUM,
                    Superblock.computeChecksum(block, off) & 0xFFFFFFFFL);
        }
        pendingCount = 0;
        unsaved = false;
    }

    /** Lets writes go on after they stopped for an error (a remount read-write). */
    public void resume() {
        stoppedWriting = null;
    }

    /** Why writes stopped after an error (remount-ro or panic behaviour), or null. */
    public String stoppedWriting() {
        return stoppedWriting;
    }

    private static void put(byte[] b, int off, Error e, int time, int timeHi, int ino, int blk, int func, int line, int code) {
        put32(b, off + time, e.time() & 0xFFFFFFFFL);
        b[off + timeHi] = (byte) (e.time() >>> 32);
        put32(b, off + ino, e.ino() & 0xFFFFFFFFL);
        put64(b, off + blk, e.block());
        byte[] name = e.function().getBytes(StandardCharsets.US_ASCII);
        Arrays.fill(b, off + func, off + func + FUNC_LEN, (byte) 0);
        System.arraycopy(name, 0, b, off + func, Math.min(FUNC_LEN, name.length));
        put32(b, off + line, 0);
        b[off + code] = (byte) e.code();
    }
}
