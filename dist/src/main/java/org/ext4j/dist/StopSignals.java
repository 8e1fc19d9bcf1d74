package org.ext4j.dist;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.ext4j.core.backend.MountHandle;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM for a mount served in the foreground. Left to the JVM, either
 * signal starts the shutdown: the backend's shutdown hook unmounts and closes the volume, but
 * the process then exits with the signal's status (130, 143) however cleanly it ended. Handled
 * here, the first one unmounts like {@code ext4j umount} (lazily when busy) and the command
 * returns normally once the server has written everything and let go of the image: exit 0. A
 * second signal, for a mount that stays busy, exits at once through the shutdown hooks (which
 * still write out what is pending) with the signal's status.
 */
final class StopSignals implements AutoCloseable {
    private static final List<String> NAMES = List.of("INT", "TERM");

    private final MountHandle mount;
    private final PrintWriter err;
    private final AtomicInteger received = new AtomicInteger();
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    private StopSignals(MountHandle mount, PrintWriter err) {
        this.mount = mount;
        this.err = err;
    }

    /** Handles SIGINT and SIGTERM for {@code mount} until {@link #close()}; a signal the OS lacks is left alone. */
    static StopSignals install(MountHandle mount, PrintWriter err) {
        StopSignals stop = new StopSignals(mount, err);
        for (String name : NAMES) {
            Signal signal;
            try {
                signal = new Signal(name);
                stop.previous.add(Signal.handle(signal, stop::handle));
            } catch (IllegalArgumentException notHere) {
                // No such signal on this OS, or the JVM keeps it (-Xrs): the shutdown hook still unmounts.
                continue;
            }
            stop.signals.add(signal);
        }
        return stop;
    }

    /** How many stop signals arrived. */
    int received() {
        return received.get();
    }

    /** Runs on the JVM's signal dispatch thread, a new one per signal. */
    private void handle(Signal signal) {
        if (received.incrementAndGet() > 1) {
            err.println("ext4j: SIG" + signal.getName() + " again: exiting without waiting for " + mount.mountpoint());
            err.flush();
            System.exit(128 + signal.getNumber());
        }
        err.println("ext4j: SIG" + signal.getName() + ": unmounting " + mount.mountpoint());
        err.flush();
        try {
            mount.unmount();
        } catch (IOException | RuntimeException e) {
            err.println("ext4j: unmounting " + mount.mountpoint() + " failed: " + e.getMessage());
            err.flush();
        }
    }

    /** Gives the signals back to the JVM (its default: shut down). */
    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
        signals.clear();
        previous.clear();
    }
}
