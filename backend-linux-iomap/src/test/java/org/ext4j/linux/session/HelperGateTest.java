package org.ext4j.linux.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    /** A helper thread that waits for one turn at the gate; {@code turn} opens when it gets it. */
    private record Helper(Thread thread, CountDownLatch turn) {
        static Helper start(HelperGate gate) {
            CountDownLatch turn = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                gate.enlist();
                gate.awaitTurn();
                turn.countDown();
            }, "test-helper");
            t.setDaemon(true);
            t.start();
            return new Helper(t, turn);
        }

        boolean readsWithin(long millis) throws InterruptedException {
            return turn.await(millis, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void aHelperJoinsWhenTheFirstReaderIsStuckInOneRequest() throws Exception {
        HelperGate gate = new HelperGate();
        Helper helper = Helper.start(gate);
        gate.requestBegins(System.nanoTime());
        assertTrue(helper.readsWithin(10_000), "a request held for over a millisecond lets the helper read");
    }

    @Test
    void helpersStayOutWhileTheFirstReaderKeepsUpAndJoinWhenRequestsQueue() throws Exception {
        HelperGate gate = new HelperGate();
        Helper helper = Helper.start(gate);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        while (System.nanoTime() < end) {
            gate.requestBegins(System.nanoTime());
            gate.requestEnds();
            gate.queueSeen(false);
            Thread.sleep(0, 200_000);
        }
        assertFalse(helper.readsWithin(50), "short requests one at a time: the first reader serves alone");
        gate.queueSeen(true);
        assertTrue(helper.readsWithin(10_000), "a request found waiting lets the helpers read");
    }

    @Test
    void theGateClosesWhenTheFirstReaderFindsNoQueue() throws Exception {
        HelperGate gate = new HelperGate();
        gate.queueSeen(true);
        assertTrue(Helper.start(gate).readsWithin(10_000), "open: the helper reads");
        gate.queueSeen(false);
        Helper second = Helper.start(gate);
        assertFalse(second.readsWithin(50), "closed again: the helper waits");
        gate.firstReaderGone();
        assertTrue(second.readsWithin(10_000), "the first reader gone: helpers read (and stop on their own errors)");
    }

    @Test
    void anIdleHelperSleepsUntilARequestAndThenWatchesAgain() throws Exception {
        HelperGate gate = new HelperGate();
        Helper helper = Helper.start(gate);
        // No request for longer than IDLE_NANOS: the helper parks without a deadline.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (helper.thread().getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(Thread.State.WAITING, helper.thread().getState(), "idle: parked without a deadline");
        // A request that then hangs: the request's start wakes the helper, which finds it stuck.
        gate.requestBegins(System.nanoTime());
        assertTrue(helper.readsWithin(10_000), "woken from its idle sleep, the helper sees the stuck request");
    }
}
