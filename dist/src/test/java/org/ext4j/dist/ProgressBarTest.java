package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void silentDuringTheFirstSecondThenOneUpdatingLine() {
        AtomicLong now = new AtomicLong();
        StringWriter text = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(text), 100L << 20, now::get);
        now.set(500_000_000L);
        bar.advanced(10L << 20);
        assertEquals("", text.toString());
        now.set(2_000_000_000L);
        bar.advanced(10L << 20);
        assertEquals("\r20.0 MiB / 100.0 MiB   20%  10.0 MiB/s  ETA 0:08", text.toString());
        now.set(2_100_000_000L);
        bar.advanced(1L << 20);
        assertEquals(-1, text.toString().indexOf('\r', 1), "redrawn at most every 200 ms");
        now.set(10_000_000_000L);
        bar.advanced(79L << 20);
        bar.finish();
        assertTrue(text.toString().endsWith("100.0 MiB / 100.0 MiB  100%  10.0 MiB/s  ETA 0:00\n"), text.toString());
    }

    @Test
    void quickCopiesPrintNothing() {
        AtomicLong now = new AtomicLong();
        StringWriter text = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(text), 1000, now::get);
        bar.advanced(1000);
        bar.finish();
        assertEquals("", text.toString());
    }
}
