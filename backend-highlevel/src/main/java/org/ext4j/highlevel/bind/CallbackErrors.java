package org.ext4j.highlevel.bind;

import java.io.PrintStream;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.highlevel.abi.ErrnoTable;
import org.ext4j.highlevel.abi.Operation;

/**
 * How a callback answers a failure: with the negative errno in the platform's numbering. No
 * exception ever reaches native code: the core's errors become their errno, anything else is
 * logged and becomes EIO.
 */
final class CallbackErrors {
    private final ErrnoTable errnos;
    private final PrintStream log;

    CallbackErrors(ErrnoTable errnos, PrintStream log) {
        this.errnos = errnos;
        this.log = log;
    }

    /** A callback's work when it has nothing to answer but success. */
    interface Action {
        void run();
    }

    /** Runs {@code action}: 0, or the negative errno of its failure. */
    int run(Operation op, Action action) {
        try {
            action.run();
            return 0;
        } catch (Throwable t) {
            return fail(op, t);
        }
    }

    /** The positive native errno for {@code e}. */
    int errno(Errno e) {
        return errnos.code(e);
    }

    /**
     * The negative errno for a failure. The core raises no ENOSYS today; should one appear, it
     * would concern one case, and passed on the kernel would stop sending that request for the
     * whole mount, so it becomes EOPNOTSUPP.
     */
    int fail(Operation op, Throwable t) {
        if (t instanceof Ext4Exception e) {
            if (e.errno() == Errno.EIO || e.errno() == Errno.EUCLEAN) {
                log.println("ext4j: " + op + ": " + e.getMessage());
            }
            return -errno(e.errno() == Errno.ENOSYS ? Errno.EOPNOTSUPP : e.errno());
        }
        if (t instanceof VirtualMachineError && !(t instanceof OutOfMemoryError)) {
            log.println("ext4j: " + op + ": " + t);
        }
        log.println("ext4j: " + op + " failed unexpectedly; answering EIO");
        t.printStackTrace(log);
        return -errno(Errno.EIO);
    }
}
