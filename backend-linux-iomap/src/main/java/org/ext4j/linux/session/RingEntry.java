package org.ext4j.linux.session;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.ext4j.linux.protocol.InHeader;
import org.ext4j.linux.protocol.OutHeader;
import org.ext4j.linux.protocol.UringHeader;

/**
 * One FUSE ring entry: the memory registered with the kernel for one request at a time. The
 * header buffer (iov[0], {@code fuse_uring_req_header}) sits at offset 0, the payload buffer
 * (iov[1]) at {@link #PAYLOAD_AT}, page aligned; between them, the iovec pair itself and a staging
 * gap. The gap is what lets the protocol layer see the request as one run of bytes without
 * copying the payload: the fuse_in_header and the op_in struct are copied (at most 168 bytes) to
 * just before the payload, and the reply is encoded with its fuse_out_header just before the
 * payload too, so a READ's data lands in the payload buffer directly. A reply may overwrite the
 * request: the decoder copies what it keeps out of the buffer before the reply is encoded.
 */
final class RingEntry {
    /** Where the payload buffer starts (one page in: the header, the iovecs and the gap fit before). */
    static final int PAYLOAD_AT = 4096;
    private static final int IOVECS_AT = 512;

    private final ByteBuffer memory;
    private final int payloadSize;
    private final long iovecs;
    /** The queue (CPU) this entry is registered on. */
    final int qid;

    /**
     * @param payloadSize the payload buffer's size: at least the kernel's max_payload_sz
     *                    (max of max_write, max_pages pages and 8 KiB)
     */
    RingEntry(int qid, int payloadSize) {
        this.qid = qid;
        this.payloadSize = payloadSize;
        this.memory = ByteBuffer.allocateDirect(PAYLOAD_AT + payloadSize + 4096).alignedSlice(4096)
                .order(ByteOrder.nativeOrder());
        long base = IoUring.address(memory);
        memory.putLong(IOVECS_AT, base);
        memory.putLong(IOVECS_AT + 8, UringHeader.SIZE);
        memory.putLong(IOVECS_AT + 16, base + PAYLOAD_AT);
        memory.putLong(IOVECS_AT + 24, payloadSize);
        this.iovecs = base + IOVECS_AT;
    }

    /** Test hook: an entry over given memory (no kernel involved). */
    RingEntry(ByteBuffer memory, int payloadSize) {
        this.qid = 0;
        this.payloadSize = payloadSize;
        this.memory = memory.order(ByteOrder.nativeOrder());
        this.iovecs = 0;
    }

    /** The address of the iovec pair a REGISTER names. */
    long iovecs() {
        return iovecs;
    }

    /** The whole entry (header at 0, payload at {@link #PAYLOAD_AT}). */
    ByteBuffer memory() {
        return memory;
    }

    /** The unique of the request the kernel put here ({@code ent_in_out.commit_id}). */
    long commitId() {
        return memory.getLong(UringHeader.ENT_IN_OUT + UringHeader.ENT_COMMIT_ID);
    }

    /**
     * Lays the request the kernel delivered out as one contiguous run ending where its payload
     * ends, and returns it as a buffer from index 0 whose limit is the request's length.
     *
     * @return the request, or null when the kernel's lengths do not add up (then reply EIO)
     */
    ByteBuffer request() {
        long len = Integer.toUnsignedLong(memory.getInt(UringHeader.IN_OUT));
        long payload = Integer.toUnsignedLong(memory.getInt(UringHeader.ENT_IN_OUT + UringHeader.ENT_PAYLOAD_SZ));
        long opIn = len - InHeader.SIZE - payload;
        if (payload > payloadSize || opIn < 0 || opIn > UringHeader.OP_IN_SIZE) {
            return null;
        }
        int start = PAYLOAD_AT - InHeader.SIZE - (int) opIn;
        memory.put(start, memory, UringHeader.IN_OUT, InHeader.SIZE);
        memory.put(start + InHeader.SIZE, memory, UringHeader.OP_IN, (int) opIn);
        return memory.slice(start, (int) len).order(ByteOrder.nativeOrder());
    }

    /** Where the protocol layer encodes the reply (fuse_out_header at index 0, then the payload). */
    ByteBuffer replyBuffer() {
        return memory.slice(PAYLOAD_AT - OutHeader.SIZE, OutHeader.SIZE + payloadSize).order(ByteOrder.nativeOrder());
    }

    /**
     * Finishes a reply of {@code length} bytes encoded in {@link #replyBuffer()}: the out header
     * moves to {@code in_out} and the rest is the payload.
     */
    void commitReply(int length) {
        memory.put(UringHeader.IN_OUT, memory, PAYLOAD_AT - OutHeader.SIZE, OutHeader.SIZE);
        setPayloadSize(length - OutHeader.SIZE);
    }

    /** Replies {@code -errno} to {@code unique} without payload. */
    void commitError(long unique, int errno) {
        memory.putInt(UringHeader.IN_OUT, OutHeader.SIZE);
        memory.putInt(UringHeader.IN_OUT + 4, -errno);
        memory.putLong(UringHeader.IN_OUT + 8, unique);
        setPayloadSize(0);
    }

    private void setPayloadSize(int n) {
        int at = UringHeader.ENT_IN_OUT;
        memory.putLong(at + UringHeader.ENT_FLAGS, 0);
        memory.putInt(at + UringHeader.ENT_PAYLOAD_SZ, n);
        memory.putInt(at + UringHeader.ENT_PADDING, 0);
    }
}
