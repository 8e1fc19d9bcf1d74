package org.ext4j.linux.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.ext4j.linux.protocol.InHeader;
import org.ext4j.linux.protocol.OutHeader;
import org.ext4j.linux.protocol.Request;
import org.ext4j.linux.protocol.UringHeader;
import org.ext4j.linux.protocol.WriteIn;
import org.junit.jupiter.api.Test;

/**
 * A ring entry's buffers filled the way fs/fuse/dev_uring.c fills them (fuse_in_header in
 * in_out, the first argument in op_in, the rest in the payload, payload_sz and commit_id in
 * ent_in_out) read back as the one request the protocol layer decodes, and a reply split back
 * into out header and payload.
 */
class RingEntryTest {
    private static final int PAYLOAD = 64 * 1024;

    private static RingEntry entry() {
        return new RingEntry(ByteBuffer.allocateDirect(RingEntry.PAYLOAD_AT + PAYLOAD), PAYLOAD);
    }

    /** Puts a request into the entry as the kernel does: header, op struct, payload. */
    private static void deliver(RingEntry e, int opcode, long unique, byte[] opIn, byte[] payload) {
        ByteBuffer m = e.memory().order(ByteOrder.nativeOrder());
        m.putInt(UringHeader.IN_OUT, InHeader.SIZE + opIn.length + payload.length);
        m.putInt(UringHeader.IN_OUT + 4, opcode);
        m.putLong(UringHeader.IN_OUT + 8, unique);
        m.putLong(UringHeader.IN_OUT + 16, 77);
        m.put(UringHeader.OP_IN, opIn);
        m.put(RingEntry.PAYLOAD_AT, payload);
        m.putLong(UringHeader.ENT_IN_OUT + UringHeader.ENT_COMMIT_ID, unique);
        m.putInt(UringHeader.ENT_IN_OUT + UringHeader.ENT_PAYLOAD_SZ, payload.length);
    }

    @Test
    void aWriteIsReassembledWithItsDataInPlace() throws Exception {
        RingEntry e = entry();
        ByteBuffer writeIn = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder());
        writeIn.putLong(0, 5).putLong(8, 4096).putInt(16, 3000);
        byte[] data = new byte[3000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        deliver(e, 16 /* WRITE */, 42, writeIn.array(), data);
        ByteBuffer request = e.request();
        Request r = Request.decode(request, request.limit());
        assertEquals(42, r.header().unique());
        assertEquals(77, r.header().nodeId());
        WriteIn w = WriteIn.decode(r.body());
        assertEquals(5, w.fh());
        assertEquals(4096, w.offset());
        assertArrayEquals(data, java.util.Arrays.copyOf(w.data(), w.length()));
        assertEquals(42, e.commitId());
    }

    @Test
    void aLookupHasAnEmptyOpInAndItsNameInThePayload() throws Exception {
        RingEntry e = entry();
        deliver(e, 1 /* LOOKUP */, 9, new byte[0], "name\0".getBytes());
        ByteBuffer request = e.request();
        Request r = Request.decode(request, request.limit());
        assertArrayEquals("name".getBytes(), r.body().cString());
    }

    @Test
    void inconsistentLengthsAreRefused() {
        RingEntry e = entry();
        deliver(e, 16, 1, new byte[40], new byte[10]);
        e.memory().putInt(UringHeader.IN_OUT, InHeader.SIZE + 200 + 10);
        assertNull(e.request(), "op_in larger than its 128-byte slot");
        e.memory().putInt(UringHeader.IN_OUT, 20);
        assertNull(e.request(), "len shorter than header and payload");
        e.memory().putInt(UringHeader.IN_OUT, InHeader.SIZE + 50);
        e.memory().putInt(UringHeader.ENT_IN_OUT + UringHeader.ENT_PAYLOAD_SZ, PAYLOAD + 1);
        assertNull(e.request(), "payload_sz beyond the buffer");
    }

    @Test
    void aReplyIsSplitIntoOutHeaderAndPayload() {
        RingEntry e = entry();
        ByteBuffer reply = e.replyBuffer();
        reply.putInt(0, 16 + 5).putInt(4, 0).putLong(8, 42);
        reply.put(16, new byte[] {1, 2, 3, 4, 5});
        e.commitReply(21);
        ByteBuffer m = e.memory();
        assertEquals(21, m.getInt(UringHeader.IN_OUT));
        assertEquals(0, m.getInt(UringHeader.IN_OUT + 4));
        assertEquals(42, m.getLong(UringHeader.IN_OUT + 8));
        assertEquals(5, m.getInt(UringHeader.ENT_IN_OUT + UringHeader.ENT_PAYLOAD_SZ));
        assertEquals(3, m.get(RingEntry.PAYLOAD_AT + 2));

        e.commitError(43, 2);
        assertEquals(OutHeader.SIZE, m.getInt(UringHeader.IN_OUT));
        assertEquals(-2, m.getInt(UringHeader.IN_OUT + 4));
        assertEquals(43, m.getLong(UringHeader.IN_OUT + 8));
        assertEquals(0, m.getInt(UringHeader.ENT_IN_OUT + UringHeader.ENT_PAYLOAD_SZ));
    }
}
