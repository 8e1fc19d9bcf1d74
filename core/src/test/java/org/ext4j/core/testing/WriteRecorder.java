package org.ext4j.core.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.ForwardingBlockDevice;

/**
 * Records every write and flush that reaches a device, in order, so that a crash can be replayed
 * at any point: the disk after a crash holds every write before the last completed flush, plus
 * any subset of the writes issued since.
 */
public final class WriteRecorder extends ForwardingBlockDevice {
    /** One event: a write of {@code data} at {@code offset}, or a flush (data null). */
    public record Event(long offset, byte[] data) {
        public boolean isFlush() {
            return data == null;
        }
    }

    private final List<Event> events = new ArrayList<>();

    public WriteRecorder(BlockDevice inner) {
        super(inner);
    }

    @Override
    public synchronized void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        events.add(new Event(offset, Arrays.copyOfRange(src, srcOff, srcOff + len)));
        inner().write(offset, src, srcOff, len);
    }

    @Override
    public synchronized void flush() throws IOException {
        events.add(new Event(-1, null));
        inner().flush();
    }

    /** How many events were recorded so far: a position a promise or a cut refers to. */
    public synchronized int position() {
        return events.size();
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }
}
