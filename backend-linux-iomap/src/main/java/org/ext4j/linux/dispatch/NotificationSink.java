package org.ext4j.linux.dispatch;

/**
 * Where the dispatcher sends notifications, messages the kernel did not ask for (one whole
 * message per call, header included). The session writes them to the device; a test collects them.
 */
@FunctionalInterface
public interface NotificationSink {
    /** Drops every message: for a dispatcher that is not connected to a kernel. */
    NotificationSink NONE = message -> { };

    void send(byte[] message);
}
