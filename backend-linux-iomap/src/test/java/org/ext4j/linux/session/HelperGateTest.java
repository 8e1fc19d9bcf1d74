package org.ext4j.linux.session;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * When helper readers join the first reader. Timings here are only upper bounds for liveness (a
 * helper that should come comes within seconds) and a short look for one that should not.
 */
class HelperGateTest {
    /** A helper thread that counts down {@code turns} each time the gate lets it read. */
    private static Thread helper(HelperGate gate, CountDownLatch turns) {
        Thread t = new Thread(() -> {
            gate.enlist();
            while (turns.getCount() > 0) {
                gate.awaitTurn();
                turns.countDown();
            }
        }, "test-helper");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aHelperJoinsWhenTheFirstReaderIsStuckInOneRequest() throws Exception {
        HelperGate gate = new HelperGate();
        CountDownLatch turn = new CountDownLatch(1);
        Thread t = helper(gate, turn);
        gate.requestBegins(System.nanoTime());
        assertTrue(turn.await(10, TimeUnit.SECONDS), "a request held for over a millisecond lets the helper read");
        t.join(10_000);
    }

    @Test
    void helpersStayOutWhileTheFirstReaderKeepsUpAndJoinWhenRequestsQueue() throws Exception {
        HelperGate gate = new HelperGate();
        CountDownLatch turn = new CountDownLatch(1);
        Thread t = helper(gate, turn);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        while (System.nanoTime() < end) {
            gate.requestBegins(System.nanoTime());
            gate.requestEnds();
            gate.queueSeen(false);
            Thread.sleep(0, 200_000);
        }
        assertFalse(turn.await(50, TimeUnit.MILLISECONDS), "short requests one at a time: the first reader serves alone");
        gate.queueSeen(true);
        assertTrue(turn.await(10, TimeUnit.SECONDS), "a request found waiting lets the helpers read");
        t.join(10_000);
    }

    @Test
    void theGateClosesWhenTheFirstReaderFindsNoQueue() throws Exception {
        HelperGate gate = new HelperGate();
        gate.queueSeen(true);
        CountDownLatch first = new CountDownLatch(1);
        helper(gate, first).join(10_000);
        assertTrue(first.getCount() == 0, "open: the helper reads");
        gate.queueSeen(false);
        CountDownLatch second = new CountDownLatch(1);
        Thread t = helper(gate, second);
        assertFalse(second.await(50, TimeUnit.MILLISECONDS), "closed again: the helper waits");
        gate.firstReaderGone();
        assertTrue(second.await(10, TimeUnit.SECONDS), "the first reader gone: helpers read (and stop on their own errors)");
        t.join(10_000);
    }

    @Test
    void anIdleHelperSleepsUntilARequestAndThenWatchesAgain() throws Exception {
        HelperGate gate = new HelperGate();
        CountDownLatch turn = new CountDownLatch(1);
        Thread t = helper(gate, turn);
        // No request for longer than IDLE_NANOS: the helper parks without a deadline.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(t.getState() == Thread.State.WAITING, "idle: parked without a deadline, state " + t.getState());
        // A request that then hangs: the request's start wakes the helper, which finds it stuck.
        gate.requestBegins(System.nanoTime());
        assertTrue(turn.await(10, TimeUnit.SECONDS), "woken from its idle sleep, the helper sees the stuck request");
        t.join(10_000);
    }
}
