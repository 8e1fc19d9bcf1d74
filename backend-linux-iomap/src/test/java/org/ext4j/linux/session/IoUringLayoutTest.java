package org.ext4j.linux.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.protocol.UringHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The io_uring and FUSE-over-io_uring layouts the session writes and reads, checked against a C
 * compiler. io_uring: the machine's own {@code <linux/io_uring.h>} and {@code <sys/syscall.h>}.
 * The FUSE ring structs are newer (7.42) than this machine's {@code <linux/fuse.h>} (7.38), so
 * they are declared below as Linux 6.18's {@code include/uapi/linux/fuse.h} declares them (field
 * names, types and order; FUSE_URING_IN_OUT_HEADER_SZ and FUSE_URING_OP_IN_OUT_SZ are 128) and
 * gcc lays them out. The numbers come from the compiler, not from this project's constants.
 */
class IoUringLayoutTest {
    @TempDir
    Path temp;

    private static final String SOURCE = """
            #include <stddef.h>
            #include <stdio.h>
            #include <stdint.h>
            #include <sys/syscall.h>
            #include <linux/io_uring.h>
            /* Linux 6.18 include/uapi/linux/fuse.h (protocol 7.45) */
            struct fuse_uring_ent_in_out { uint64_t flags; uint64_t commit_id; uint32_t payload_sz;
                    uint32_t padding; uint64_t reserved; };
            struct fuse_uring_req_header { char in_out[128]; char op_in[128];
                    struct fuse_uring_ent_in_out ring_ent_in_out; };
            struct fuse_uring_cmd_req { uint64_t flags; uint64_t commit_id; uint16_t qid; uint8_t padding[6]; };
            enum fuse_uring_cmd { FUSE_IO_URING_CMD_INVALID = 0, FUSE_IO_URING_CMD_REGISTER = 1,
                    FUSE_IO_URING_CMD_COMMIT_AND_FETCH = 2 };
            #define O(s, f) printf("%s.%s %zu\\n", #s, #f, offsetof(struct s, f))
            #define S(s) printf("sizeof.%s %zu\\n", #s, sizeof(struct s))
            #define C(c) printf("const.%s %lld\\n", #c, (long long) (c))
            int main(void) {
                S(io_uring_params); O(io_uring_params, sq_entries); O(io_uring_params, cq_entries);
                O(io_uring_params, flags); O(io_uring_params, features); O(io_uring_params, sq_off);
                O(io_uring_params, cq_off);
                O(io_sqring_offsets, head); O(io_sqring_offsets, tail); O(io_sqring_offsets, ring_mask);
                O(io_sqring_offsets, array);
                O(io_cqring_offsets, head); O(io_cqring_offsets, tail); O(io_cqring_offsets, ring_mask);
                O(io_cqring_offsets, cqes);
                S(io_uring_sqe); O(io_uring_sqe, opcode); O(io_uring_sqe, fd); O(io_uring_sqe, cmd_op);
                O(io_uring_sqe, addr); O(io_uring_sqe, len); O(io_uring_sqe, user_data); O(io_uring_sqe, cmd);
                S(io_uring_cqe); O(io_uring_cqe, user_data); O(io_uring_cqe, res);
                C(IORING_SETUP_SQE128); C(IORING_SETUP_SINGLE_ISSUER); C(IORING_SETUP_DEFER_TASKRUN);
                C(IORING_FEAT_SINGLE_MMAP); C(IORING_ENTER_GETEVENTS); C(IORING_OP_URING_CMD);
                C(IORING_OFF_SQ_RING); C(IORING_OFF_SQES);
                C(__NR_io_uring_setup); C(__NR_io_uring_enter); C(__NR_mmap); C(__NR_munmap);
                S(fuse_uring_ent_in_out); O(fuse_uring_ent_in_out, commit_id);
                O(fuse_uring_ent_in_out, payload_sz); O(fuse_uring_ent_in_out, padding);
                S(fuse_uring_req_header); O(fuse_uring_req_header, in_out); O(fuse_uring_req_header, op_in);
                O(fuse_uring_req_header, ring_ent_in_out);
                S(fuse_uring_cmd_req); O(fuse_uring_cmd_req, commit_id); O(fuse_uring_cmd_req, qid);
                C(FUSE_IO_URING_CMD_REGISTER); C(FUSE_IO_URING_CMD_COMMIT_AND_FETCH);
                return 0;
            }
            """;

    private Map<String, Long> probe() throws Exception {
        Tools.require("gcc");
        Path c = Files.writeString(temp.resolve("probe.c"), SOURCE);
        Path exe = temp.resolve("probe");
        Tools.Result cc = Tools.run(List.of("gcc", "-o", exe.toString(), c.toString()));
        assertEquals(0, cc.exitCode(), () -> "gcc failed (install gcc and linux-libc-dev): " + cc.stderr());
        Tools.Result out = Tools.run(List.of(exe.toString()));
        assertEquals(0, out.exitCode());
        Map<String, Long> facts = new HashMap<>();
        for (String line : out.stdout().split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 2) {
                facts.put(f[0], Long.parseLong(f[1]));
            }
        }
        return facts;
    }

    @Test
    void ioUringStructsAndConstantsMatchTheSystemHeader() throws Exception {
        Map<String, Long> f = probe();
        assertEquals(f.get("sizeof.io_uring_params"), (long) IoUring.PARAMS_SIZE);
        assertEquals(f.get("io_uring_params.sq_entries"), (long) IoUring.P_SQ_ENTRIES);
        assertEquals(f.get("io_uring_params.cq_entries"), (long) IoUring.P_CQ_ENTRIES);
        assertEquals(f.get("io_uring_params.flags"), (long) IoUring.P_FLAGS);
        assertEquals(f.get("io_uring_params.features"), (long) IoUring.P_FEATURES);
        assertEquals(f.get("io_uring_params.sq_off"), (long) IoUring.P_SQ_OFF);
        assertEquals(f.get("io_uring_params.cq_off"), (long) IoUring.P_CQ_OFF);
        assertEquals(f.get("io_sqring_offsets.head"), (long) IoUring.SQ_HEAD);
        assertEquals(f.get("io_sqring_offsets.tail"), (long) IoUring.SQ_TAIL);
        assertEquals(f.get("io_sqring_offsets.ring_mask"), (long) IoUring.SQ_RING_MASK);
        assertEquals(f.get("io_sqring_offsets.array"), (long) IoUring.SQ_ARRAY);
        assertEquals(f.get("io_cqring_offsets.head"), (long) IoUring.CQ_HEAD);
        assertEquals(f.get("io_cqring_offsets.tail"), (long) IoUring.CQ_TAIL);
        assertEquals(f.get("io_cqring_offsets.ring_mask"), (long) IoUring.CQ_RING_MASK);
        assertEquals(f.get("io_cqring_offsets.cqes"), (long) IoUring.CQ_CQES);
        // A 64-byte SQE; SQE128 doubles it, and the command area runs from cmd to the end.
        assertEquals(f.get("sizeof.io_uring_sqe") * 2, (long) IoUring.SQE_SIZE);
        assertEquals(f.get("io_uring_sqe.opcode"), (long) IoUring.SQE_OPCODE);
        assertEquals(f.get("io_uring_sqe.fd"), (long) IoUring.SQE_FD);
        assertEquals(f.get("io_uring_sqe.cmd_op"), (long) IoUring.SQE_CMD_OP);
        assertEquals(f.get("io_uring_sqe.addr"), (long) IoUring.SQE_ADDR);
        assertEquals(f.get("io_uring_sqe.len"), (long) IoUring.SQE_LEN);
        assertEquals(f.get("io_uring_sqe.user_data"), (long) IoUring.SQE_USER_DATA);
        assertEquals(f.get("io_uring_sqe.cmd"), (long) IoUring.SQE_CMD);
        assertEquals(f.get("sizeof.io_uring_cqe"), (long) IoUring.CQE_SIZE);
        assertEquals(f.get("io_uring_cqe.user_data"), (long) IoUring.CQE_USER_DATA);
        assertEquals(f.get("io_uring_cqe.res"), (long) IoUring.CQE_RES);
        assertEquals(f.get("const.IORING_SETUP_SQE128"), (long) IoUring.SETUP_SQE128);
        assertEquals(f.get("const.IORING_SETUP_SINGLE_ISSUER"), (long) IoUring.SETUP_SINGLE_ISSUER);
        assertEquals(f.get("const.IORING_SETUP_DEFER_TASKRUN"), (long) IoUring.SETUP_DEFER_TASKRUN);
        assertEquals(f.get("const.IORING_FEAT_SINGLE_MMAP"), (long) IoUring.FEAT_SINGLE_MMAP);
        assertEquals(f.get("const.IORING_ENTER_GETEVENTS"), (long) IoUring.ENTER_GETEVENTS);
        assertEquals(f.get("const.IORING_OP_URING_CMD"), (long) IoUring.OP_URING_CMD);
        assertEquals(f.get("const.IORING_OFF_SQ_RING"), IoUring.OFF_SQ_RING);
        assertEquals(f.get("const.IORING_OFF_SQES"), IoUring.OFF_SQES);
        assertEquals(f.get("const.__NR_io_uring_setup"), Libc.Syscalls.IO_URING_SETUP);
        assertEquals(f.get("const.__NR_io_uring_enter"), Libc.Syscalls.IO_URING_ENTER);
        assertEquals(f.get("const.__NR_mmap"), Libc.Syscalls.MMAP);
        assertEquals(f.get("const.__NR_munmap"), Libc.Syscalls.MUNMAP);
    }

    @Test
    void fuseRingStructsAsTheKernelLaysThemOut() throws Exception {
        Map<String, Long> f = probe();
        assertEquals(f.get("sizeof.fuse_uring_ent_in_out"), (long) UringHeader.ENT_SIZE);
        assertEquals(f.get("fuse_uring_ent_in_out.commit_id"), (long) UringHeader.ENT_COMMIT_ID);
        assertEquals(f.get("fuse_uring_ent_in_out.payload_sz"), (long) UringHeader.ENT_PAYLOAD_SZ);
        assertEquals(f.get("fuse_uring_ent_in_out.padding"), (long) UringHeader.ENT_PADDING);
        assertEquals(f.get("sizeof.fuse_uring_req_header"), (long) UringHeader.SIZE);
        assertEquals(f.get("fuse_uring_req_header.in_out"), (long) UringHeader.IN_OUT);
        assertEquals(f.get("fuse_uring_req_header.op_in"), (long) UringHeader.OP_IN);
        assertEquals(f.get("fuse_uring_req_header.ring_ent_in_out"), (long) UringHeader.ENT_IN_OUT);
        assertEquals(f.get("sizeof.fuse_uring_cmd_req"), (long) UringHeader.CMD_SIZE);
        assertEquals(f.get("fuse_uring_cmd_req.commit_id"), (long) UringHeader.CMD_COMMIT_ID);
        assertEquals(f.get("fuse_uring_cmd_req.qid"), (long) UringHeader.CMD_QID);
        assertEquals(f.get("const.FUSE_IO_URING_CMD_REGISTER"), (long) UringHeader.CMD_REGISTER);
        assertEquals(f.get("const.FUSE_IO_URING_CMD_COMMIT_AND_FETCH"), (long) UringHeader.CMD_COMMIT_AND_FETCH);
        // The command must fit the 80-byte area of a 128-byte SQE.
        assertTrue(IoUring.SQE_CMD + UringHeader.CMD_SIZE <= IoUring.SQE_SIZE);
        assertEquals(80, IoUring.SQE_SIZE - f.get("io_uring_sqe.cmd"));
    }
}
