package org.ext4j.linux.mount;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jnr.constants.platform.Fcntl;
import jnr.posix.CmsgHdr;
import jnr.posix.MsgHdr;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.SpawnFileAction;
import org.ext4j.linux.session.FuseDevice;

/**
 * Mounting and unmounting as a normal user through the setuid {@code fusermount3} of the fuse3
 * package. For a mount, fusermount3 opens /dev/fuse, calls mount(2) as root and sends the open fd
 * back over a unix socket whose number it finds in the environment variable {@code _FUSE_COMMFD}
 * (one data byte, the fd as SCM_RIGHTS ancillary data), then exits; this is the protocol libfuse's
 * own mount code speaks. The fusermount3 child is started with posix_spawn, because the JDK's
 * ProcessBuilder closes every inherited descriptor but 0, 1 and 2.
 */
final class Fusermount {
    /** The program, looked up on PATH. */
    static final String PROGRAM = "fusermount3";

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int FD_CLOEXEC = 1;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_TRUNC = 01000;
    private static final int EINTR = 4;

    private static final POSIX POSIX_CALLS = POSIXFactory.getNativePOSIX();

    private Fusermount() {
    }

    /**
     * Mounts through fusermount3 with the given (kernel and fusermount3) options and returns the
     * connected /dev/fuse descriptor.
     *
     * @throws IOException with fusermount3's own message when it refused (a mount point the user
     *                     may not write, allow_other without user_allow_other in /etc/fuse.conf, ...)
     */
    static FuseDevice mount(Path mountpoint, List<String> options) throws IOException {
        int[] pair = new int[2];
        if (POSIX_CALLS.socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
            throw new IOException("socketpair for fusermount3 failed: " + FuseDevice.describe(POSIX_CALLS.errno()));
        }
        int ours = pair[0];
        int theirs = pair[1];
        try {
            POSIX_CALLS.fcntlInt(ours, Fcntl.F_SETFD, FD_CLOEXEC);
            List<String> argv = List.of(PROGRAM, "-o", String.join(",", options), "--", mountpoint.toString());
            // Our end is close-on-exec, theirs is not: fusermount3 inherits exactly the one it needs.
            Outcome run = spawn(argv, "_FUSE_COMMFD=" + theirs);
            POSIX_CALLS.close(theirs);
            theirs = -1;
            int fd = receiveFd(ours);
            int status = run.await();
            if (fd < 0) {
                throw new IOException("fusermount3 could not mount on " + mountpoint + ": " + run.message(status));
            }
            if (status != 0) {
                POSIX_CALLS.close(fd);
                throw new IOException("fusermount3 failed after mounting on " + mountpoint + ": " + run.message(status));
            }
            return FuseDevice.ofFd(fd);
        } finally {
            if (theirs >= 0) {
                POSIX_CALLS.close(theirs);
            }
            POSIX_CALLS.close(ours);
        }
    }

    /**
     * {@code fusermount3 -u} (with {@code lazy}: {@code -u -z}, detach now and finish when the
     * last user leaves).
     *
     * @throws IOException with fusermount3's message, e.g. that the mount point is busy
     */
    static void unmount(Path mountpoint, boolean lazy) throws IOException {
        List<String> argv = new ArrayList<>(List.of(PROGRAM, "-u"));
        if (lazy) {
            argv.add("-z");
        }
        argv.add("--");
        argv.add(mountpoint.toString());
        Outcome run = spawn(argv, null);
        int status = run.await();
        if (status != 0) {
            throw new IOException(run.message(status));
        }
    }

    /** A started fusermount3 and the file its stderr goes to. */
    private record Outcome(long pid, Path stderr) {
        int await() throws IOException {
            int[] status = new int[1];
            while (POSIX_CALLS.waitpid(pid, status, 0) < 0) {
                int errno = POSIX_CALLS.errno();
                if (errno != EINTR) {
                    throw new IOException("waiting for fusermount3 failed: " + FuseDevice.describe(errno));
                }
            }
            int s = status[0];
            // WIFEXITED: the low 7 bits are zero; then WEXITSTATUS is the next byte.
            return (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
        }

        String message(int status) throws IOException {
            String text = new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8).strip();
            Files.deleteIfExists(stderr);
            return (text.isEmpty() ? "no message" : text) + " (exit " + status + ")";
        }
    }

    private static Outcome spawn(List<String> argv, String extraEnv) throws IOException {
        Path stderr = Files.createTempFile("ext4j-fusermount3-", ".err");
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            if (!e.getKey().equals("_FUSE_COMMFD")) {
                env.add(e.getKey() + "=" + e.getValue());
            }
        }
        if (extraEnv != null) {
            env.add(extraEnv);
        }
        if (System.getenv("PATH") == null) {
            env.add("PATH=/usr/local/bin:/usr/bin:/bin");
        }
        List<SpawnFileAction> actions = new ArrayList<>();
        actions.add(SpawnFileAction.open("/dev/null", 0, 0, 0));
        actions.add(SpawnFileAction.open(stderr.toString(), 2, O_WRONLY | O_CREAT | O_TRUNC, 0600));
        long pid = POSIX_CALLS.posix_spawnp(PROGRAM, actions, argv, env);
        if (pid <= 0) {
            Files.deleteIfExists(stderr);
            throw new IOException("cannot run " + PROGRAM + " (install the fuse3 package): "
                    + FuseDevice.describe(POSIX_CALLS.errno()));
        }
        return new Outcome(pid, stderr);
    }

    /** Receives one fd sent with SCM_RIGHTS; -1 when the peer closed without sending one. */
    private static int receiveFd(int socket) throws IOException {
        MsgHdr message = POSIX_CALLS.allocateMsgHdr();
        // A direct buffer: jnr-posix hands heap buffers' addresses wrongly to recvmsg (EFAULT).
        ByteBuffer data = ByteBuffer.allocateDirect(1);
        message.setIov(new ByteBuffer[] {data});
        message.allocateControls(new int[] {Integer.BYTES});
        int n;
        do {
            n = POSIX_CALLS.recvmsg(socket, message, MSG_CMSG_CLOEXEC);
        } while (n < 0 && POSIX_CALLS.errno() == EINTR);
        if (n < 0) {
            throw new IOException("receiving the /dev/fuse fd from fusermount3 failed: "
                    + FuseDevice.describe(POSIX_CALLS.errno()));
        }
        if (n == 0) {
            return -1;
        }
        for (CmsgHdr control : message.getControls()) {
            if (control.getLevel() == SOL_SOCKET && control.getType() == SCM_RIGHTS) {
                ByteBuffer fd = control.getData().order(ByteOrder.nativeOrder());
                if (fd.remaining() >= Integer.BYTES) {
                    return fd.getInt(fd.position());
                }
            }
        }
        throw new IOException("fusermount3 sent a message without a file descriptor");
    }
}
