package org.ext4j.linux.session;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One io_uring with 128-byte submission entries (the size FUSE's commands need), its rings mapped
 * into this process. Only the thread that created it may use it: the ring is made SINGLE_ISSUER
 * with DEFER_TASKRUN, so the kernel runs the task work behind its completions (FUSE copying a
 * request into our buffers) only when that thread enters the kernel to wait for them.
 *
 * <p>Memory order: the kernel reads the SQ tail and the CQ head and writes the SQ head and the CQ
 * tail, lock-free. An entry is written in full before the tail store that publishes it (release);
 * a completion is read only after the load of the tail that published it (acquire), and the head
 * is moved past it (release) only after its fields were read. The heads and tails are 32-bit
 * counters that wrap; masked, they index the arrays.
 */
final class IoUring implements AutoCloseable {
    static final long SYS_IO_URING_SETUP = Libc.Syscalls.IO_URING_SETUP;
    static final long SYS_IO_URING_ENTER = Libc.Syscalls.IO_URING_ENTER;

    /** {@code io_uring_params.flags}. */
    static final int SETUP_SQE128 = 1 << 10;
    static final int SETUP_SINGLE_ISSUER = 1 << 12;
    static final int SETUP_DEFER_TASKRUN = 1 << 13;
    /** {@code io_uring_params.features}: the SQ and CQ rings share one mapping. */
    static final int FEAT_SINGLE_MMAP = 1;
    /** io_uring_enter flag: wait for {@code min_complete} completions. */
    static final int ENTER_GETEVENTS = 1;
    /** {@code IORING_OP_URING_CMD}: a command for the file's driver (here, FUSE). */
    static final int OP_URING_CMD = 46;

    /** mmap offsets of the rings and of the entry array. */
    static final long OFF_SQ_RING = 0L;
    static final long OFF_SQES = 0x10000000L;

    /** {@code struct io_uring_params} (120 bytes). */
    static final int PARAMS_SIZE = 120;
    static final int P_SQ_ENTRIES = 0;
    static final int P_CQ_ENTRIES = 4;
    static final int P_FLAGS = 8;
    static final int P_FEATURES = 20;
    static final int P_SQ_OFF = 40;
    static final int P_CQ_OFF = 80;
    /** {@code struct io_sqring_offsets}, relative to {@link #P_SQ_OFF}. */
    static final int SQ_HEAD = 0;
    static final int SQ_TAIL = 4;
    static final int SQ_RING_MASK = 8;
    static final int SQ_ARRAY = 24;
    /** {@code struct io_cqring_offsets}, relative to {@link #P_CQ_OFF}. */
    static final int CQ_HEAD = 0;
    static final int CQ_TAIL = 4;
    static final int CQ_RING_MASK = 8;
    static final int CQ_CQES = 20;

    /** {@code struct io_uring_sqe}: 64 bytes, 128 with SQE128; the command area is the last 80. */
    static final int SQE_SIZE = 128;
    static final int SQE_OPCODE = 0;
    static final int SQE_FD = 4;
    static final int SQE_CMD_OP = 8;
    static final int SQE_ADDR = 16;
    static final int SQE_LEN = 24;
    static final int SQE_USER_DATA = 32;
    static final int SQE_CMD = 48;
    /** {@code struct io_uring_cqe}: u64 user_data, s32 res, u32 flags. */
    static final int CQE_SIZE = 16;
    static final int CQE_USER_DATA = 0;
    static final int CQE_RES = 8;

    private static final VarHandle U32 = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final int fd;
    private final long ringAddress;
    private final long ringLength;
    private final long sqesAddress;
    private final long sqesLength;
    /** The shared SQ/CQ ring and the entry array, as buffers over the mappings. */
    private final ByteBuffer ring;
    private final ByteBuffer sqes;
    private final int sqHead;
    private final int sqTail;
    private final int sqMask;
    private final int sqEntries;
    private final int sqArray;
    private final int cqHead;
    private final int cqTail;
    private final int cqMask;
    private final int cqes;
    /** Our copy of the SQ tail: entries up to it are written, those past the published tail not yet seen. */
    private int localTail;
    private int publishedTail;
    private boolean closed;

    /** What a caller does with one completion. */
    interface Completion {
        void accept(long userData, int result);
    }

    private IoUring(int fd, long ringAddress, long ringLength, long sqesAddress, long sqesLength, ByteBuffer params) {
        this.fd = fd;
        this.ringAddress = ringAddress;
        this.ringLength = ringLength;
        this.sqesAddress = sqesAddress;
        this.sqesLength = sqesLength;
        this.ring = MEMORY.newDirectByteBuffer(ringAddress, (int) ringLength).order(ByteOrder.nativeOrder());
        this.sqes = MEMORY.newDirectByteBuffer(sqesAddress, (int) sqesLength).order(ByteOrder.nativeOrder());
        this.sqHead = params.getInt(P_SQ_OFF + SQ_HEAD);
        this.sqTail = params.getInt(P_SQ_OFF + SQ_TAIL);
        this.sqArray = params.getInt(P_SQ_OFF + SQ_ARRAY);
        this.cqHead = params.getInt(P_CQ_OFF + CQ_HEAD);
        this.cqTail = params.getInt(P_CQ_OFF + CQ_TAIL);
        this.cqes = params.getInt(P_CQ_OFF + CQ_CQES);
        this.sqEntries = params.getInt(P_SQ_ENTRIES);
        this.sqMask = ring.getInt(params.getInt(P_SQ_OFF + SQ_RING_MASK));
        this.cqMask = ring.getInt(params.getInt(P_CQ_OFF + CQ_RING_MASK));
        this.localTail = (int) U32.getAcquire(ring, sqTail);
        this.publishedTail = localTail;
    }

    /**
     * Makes a ring of {@code entries} submission entries (the kernel rounds up to a power of two
     * and gives twice as many completion slots). Must be called on the thread that will use it.
     *
     * @throws IOException with the errno when the kernel refuses (no io_uring, disabled by
     *                     kernel.io_uring_disabled, or too old for the flags)
     */
    static IoUring create(int entries) throws IOException {
        ByteBuffer params = ByteBuffer.allocateDirect(PARAMS_SIZE).order(ByteOrder.nativeOrder());
        params.putInt(P_FLAGS, SETUP_SQE128 | SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN);
        Libc libc = Libc.get();
        long fd = libc.syscall(SYS_IO_URING_SETUP, entries, MEMORY.getDirectBufferAddress(params), 0, 0, 0, 0);
        if (fd < 0) {
            throw new IOException("io_uring_setup failed: " + FuseDevice.describe(Libc.errno()));
        }
        int ringFd = (int) fd;
        if ((params.getInt(P_FEATURES) & FEAT_SINGLE_MMAP) == 0) {
            libc.close(ringFd);
            throw new IOException("io_uring without IORING_FEAT_SINGLE_MMAP (kernel older than 5.4)");
        }
        int sqCount = params.getInt(P_SQ_ENTRIES);
        int cqCount = params.getInt(P_CQ_ENTRIES);
        long ringLength = Math.max(params.getInt(P_SQ_OFF + SQ_ARRAY) + 4L * sqCount,
                params.getInt(P_CQ_OFF + CQ_CQES) + (long) CQE_SIZE * cqCount);
        long ringAddress = Libc.mmap(0, ringLength, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_SHARED | Libc.MAP_POPULATE, ringFd, OFF_SQ_RING);
        if (ringAddress == Libc.MAP_FAILED) {
            int errno = Libc.errno();
            libc.close(ringFd);
            throw new IOException("mapping the io_uring rings failed: " + FuseDevice.describe(errno));
        }
        long sqesLength = (long) SQE_SIZE * sqCount;
        long sqesAddress = Libc.mmap(0, sqesLength, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_SHARED | Libc.MAP_POPULATE, ringFd, OFF_SQES);
        if (sqesAddress == Libc.MAP_FAILED) {
            int errno = Libc.errno();
            Libc.munmap(ringAddress, ringLength);
            libc.close(ringFd);
            throw new IOException("mapping the io_uring entries failed: " + FuseDevice.describe(errno));
        }
        return new IoUring(ringFd, ringAddress, ringLength, sqesAddress, sqesLength, params);
    }

    /**
     * The next free submission entry, zeroed, as a 128-byte buffer from index 0; it is handed to
     * the kernel by the next {@link #submitAndWait}.
     *
     * @throws IllegalStateException when every entry is taken (callers size the ring so it never is)
     */
    ByteBuffer nextEntry() {
        int head = (int) U32.getAcquire(ring, sqHead);
        if (localTail - head >= sqEntries) {
            throw new IllegalStateException("io_uring submission queue full (" + sqEntries + " entries)");
        }
        int index = localTail & sqMask;
        ring.putInt(sqArray + 4 * index, index);
        ByteBuffer sqe = sqes.slice(index * SQE_SIZE, SQE_SIZE).order(ByteOrder.nativeOrder());
        for (int i = 0; i < SQE_SIZE; i += 8) {
            sqe.putLong(i, 0);
        }
        localTail++;
        return sqe;
    }

    /**
     * Publishes the entries taken since the last call and waits until at least
     * {@code minComplete} completions are there (0: do not wait).
     *
     * @return the number of entries the kernel took, or the negated errno (EINTR: call again)
     */
    int submitAndWait(int minComplete) {
        int toSubmit = localTail - publishedTail;
        U32.setRelease(ring, sqTail, localTail);
        publishedTail = localTail;
        long n = Libc.get().syscall(SYS_IO_URING_ENTER, fd, toSubmit, minComplete,
                minComplete > 0 ? ENTER_GETEVENTS : 0, 0, 0);
        return n >= 0 ? (int) n : -Libc.errno();
    }

    /** Hands every completion that has arrived to {@code handler}, oldest first; returns how many. */
    int drainCompletions(Completion handler) {
        int head = (int) U32.getAcquire(ring, cqHead);
        int tail = (int) U32.getAcquire(ring, cqTail);
        int count = 0;
        while (head != tail) {
            int at = cqes + (head & cqMask) * CQE_SIZE;
            long userData = ring.getLong(at + CQE_USER_DATA);
            int result = ring.getInt(at + CQE_RES);
            head++;
            // Free the slot before handling: the handler may queue entries whose completions need it.
            U32.setRelease(ring, cqHead, head);
            handler.accept(userData, result);
            count++;
        }
        return count;
    }

    /** Unmaps the rings and closes the ring fd, which cancels whatever is still in flight. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc libc = Libc.get();
        Libc.munmap(sqesAddress, sqesLength);
        Libc.munmap(ringAddress, ringLength);
        libc.close(fd);
    }

    /** The address of a direct buffer's first byte (for iovecs the kernel reads). */
    static long address(ByteBuffer direct) {
        return MEMORY.getDirectBufferAddress(direct);
    }
}
