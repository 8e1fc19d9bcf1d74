package org.ext4j.core.host;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host command runner the backends unmount with: exit status, both streams, failures named. */
class HostCommandTest {
    @Test
    void exitStatusAndBothStreamsAreCollected() throws IOException {
        HostCommand.Result r = HostCommand.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"));
        assertEquals(3, r.exitValue());
        assertEquals("out\nerr", r.output());
    }

    @Test
    void runOkNamesTheCommandAndItsOutputOnFailure() {
        IOException e = assertThrows(IOException.class,
                () -> HostCommand.runOk(List.of("sh", "-c", "echo target is busy; exit 32")));
        assertTrue(e.getMessage().contains("exit 32") && e.getMessage().contains("target is busy"), e.getMessage());
        assertDoesNotThrow(() -> HostCommand.runOk(List.of("true")));
        assertThrows(IOException.class, () -> HostCommand.run(List.of("/nonexistent/ext4j-no-such-command")));
    }
}
