package org.ext4j.dist;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * One self-overwriting status line on a terminal's stderr: bytes done of the total, percent,
 * rate and time left. It stays silent for the first second, so quick copies print nothing.
 */
final class ProgressBar implements ImageFileReader.Progress {
    private static final long QUIET_NANOS = 1_000_000_000L;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter err;
    private final long total;
    private final LongSupplier clock;
    private final long start;
    private long done;
    private long lastDraw;
    private int lastWidth;

    /** A bar for {@code total} bytes, timed by {@code clock} (nanoseconds, e.g. System::nanoTime). */
    ProgressBar(PrintWriter err, long total, LongSupplier clock) {
        this.err = err;
        this.total = total;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    @Override
    public void advanced(long bytes) {
        done += bytes;
        long now = clock.getAsLong();
        if (now - start < QUIET_NANOS || now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        draw(now);
    }

    /** Draws the final state and ends the line, if anything was drawn at all. */
    void finish() {
        if (lastWidth > 0) {
            draw(clock.getAsLong());
            err.print('\n');
            err.flush();
        }
    }

    private void draw(long now) {
        String line = line(done, total, now - start);
        StringBuilder b = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < lastWidth; i++) {
            b.append(' ');
        }
        lastWidth = line.length();
        err.print(b);
        err.flush();
    }

    /** The text of the line for {@code done} of {@code total} bytes after {@code elapsedNanos}. */
    static String line(long done, long total, long elapsedNanos) {
        double seconds = Math.max(elapsedNanos / 1e9, 1e-3);
        double rate = done / seconds;
        int percent = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
        String eta = rate <= 0 || done >= total ? "0:00" : duration((long) ((total - done) / rate));
        return String.format("%s / %s  %3d%%  %s/s  ETA %s", bytes(done), bytes(total), percent, bytes((long) rate), eta);
    }

    /** Bytes in binary units with one decimal, e.g. "12.5 MiB". */
    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format("%.1f %s", v, units[u]);
    }

    private static String duration(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format("%d:%02d:%02d", h, m, s) : String.format("%d:%02d", m, s);
    }
}
