package org.ext4j.dist;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** What one in-process run of the ext4j command line printed and returned: what the CLI tests check. */
record CliRun(int status, byte[] stdoutBytes, String stderr) {

    /** Runs ext4j with {@code args} in this JVM, stderr not a terminal. */
    static CliRun ext4j(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.execute(args, out, err, false);
        return new CliRun(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    /** Standard output decoded as UTF-8. */
    String stdout() {
        return new String(stdoutBytes, StandardCharsets.UTF_8);
    }
}
