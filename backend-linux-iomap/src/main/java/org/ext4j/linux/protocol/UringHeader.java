package org.ext4j.linux.protocol;

/**
 * The structs of FUSE over io_uring (7.42, Linux 6.14), from the kernel's
 * {@code include/uapi/linux/fuse.h}: the per-entry header buffer {@code fuse_uring_req_header}
 * with its trailer {@code fuse_uring_ent_in_out}, and {@code fuse_uring_cmd_req}, which travels in
 * the 80-byte command area of a 128-byte SQE.
 *
 * <p>How the kernel splits a request between an entry's two buffers (fs/fuse/dev_uring.c,
 * {@code fuse_uring_copy_to_ring}): {@code fuse_in_header} goes to {@code in_out}, the request's
 * first argument (the fixed per-opcode struct; empty for LOOKUP and the other name-only requests)
 * to {@code op_in}, every further argument (names, data, extension headers) back to back into the
 * payload buffer, whose filled length is {@code payload_sz}. {@code fuse_in_header.len} still
 * counts all of it, so the op_in part is {@code len - 40 - payload_sz} bytes. A reply goes the
 * other way: {@code fuse_out_header} into {@code in_out}, everything after it into the payload,
 * its length into {@code payload_sz}.
 */
public final class UringHeader {
    /** {@code FUSE_URING_IN_OUT_HEADER_SZ}: room for fuse_in_header / fuse_out_header. */
    public static final int IN_OUT = 0;
    public static final int IN_OUT_SIZE = 128;
    /** {@code FUSE_URING_OP_IN_OUT_SZ}: room for the per-opcode struct. */
    public static final int OP_IN = 128;
    public static final int OP_IN_SIZE = 128;
    /** {@code ring_ent_in_out}: a {@code struct fuse_uring_ent_in_out} (32 bytes). */
    public static final int ENT_IN_OUT = 256;
    /** {@code sizeof(struct fuse_uring_req_header)}. */
    public static final int SIZE = 288;

    /** {@code fuse_uring_ent_in_out} fields, relative to {@link #ENT_IN_OUT}. */
    public static final int ENT_FLAGS = 0;
    /** The request's unique, to be echoed in {@code fuse_uring_cmd_req.commit_id}. */
    public static final int ENT_COMMIT_ID = 8;
    public static final int ENT_PAYLOAD_SZ = 16;
    /** {@code padding}; 7.46 names it {@code offset} (buffer pools), to be sent as zero here. */
    public static final int ENT_PADDING = 20;
    public static final int ENT_RESERVED = 24;
    public static final int ENT_SIZE = 32;

    /** {@code struct fuse_uring_cmd_req} (24 bytes), at offset 48 of the SQE. */
    public static final int CMD_FLAGS = 0;
    public static final int CMD_COMMIT_ID = 8;
    public static final int CMD_QID = 16;
    public static final int CMD_SIZE = 24;

    /** {@code enum fuse_uring_cmd}, the SQE's {@code cmd_op}. */
    public static final int CMD_REGISTER = 1;
    public static final int CMD_COMMIT_AND_FETCH = 2;

    /** How many iovecs a REGISTER carries: the header buffer, then the payload buffer. */
    public static final int IOV_SEGMENTS = 2;
    /** {@code FUSE_MIN_READ_BUFFER}: the kernel's floor for the payload buffer. */
    public static final int MIN_PAYLOAD = 8192;

    private UringHeader() {
    }
}
