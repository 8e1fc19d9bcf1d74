package org.ext4j.linux.mount;

import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.ext4j.core.host.DevT;

/**
 * How {@code mount -o remount} reaches a running server. The kernel handles a FUSE remount
 * itself (MS_RDONLY flips its superblock flag) and tells the server nothing, so the server would
 * go on committing to an image the user believes read-only and settled. mount(8) runs the helper
 * ({@code mount.fuse.ext4j ... -o remount,...}); it connects to the server's socket, named after
 * the mount's device number, and the server remounts the kernel side itself, committing before a
 * read-only one ({@link FuseMount#remount}). The socket lives in a root-only directory: only root
 * mounts with mount(2), and only root may remount.
 */
public final class RemountControl implements AutoCloseable {
    /** Where the sockets live. */
    static final Path DIRECTORY = Path.of("/run/ext4j");
    private static final int MAX_REQUEST = 64 * 1024;

    private final ServerSocketChannel server;
    private final Path socket;
    private final Thread thread;

    private RemountControl(ServerSocketChannel server, Path socket, FuseMount mount, PrintStream log) {
        this.server = server;
        this.socket = socket;
        this.thread = new Thread(() -> serve(mount, log), "ext4j-remount " + mount.mountpoint());
        this.thread.setDaemon(true);
    }

    /** Listens for remount requests for {@code mount} (a mount made by root with mount(2)). */
    static RemountControl listen(FuseMount mount, PrintStream log) throws IOException {
        Files.createDirectories(DIRECTORY);
        Files.setPosixFilePermissions(DIRECTORY, PosixFilePermissions.fromString("rwx------"));
        Path socket = socketOf(mount.mountpoint());
        // The device number is unique among live mounts: a file left by a server that was killed is stale.
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        RemountControl control = new RemountControl(server, socket, mount, log);
        control.thread.start();
        return control;
    }

    /**
     * Asks the server of the ext4j mount on {@code mountpoint} to remount with {@code options} (as
     * mount(8) passes them) and returns once it did.
     *
     * @throws IOException what the server refused, or why no server could be asked
     */
    public static void request(Path mountpoint, List<String> options) throws IOException {
        Path socket = socketOf(mountpoint);
        if (!Files.exists(socket)) {
            throw new IOException("no ext4j server takes remount requests for " + mountpoint
                    + " (not an ext4j mount, or one made through fusermount3, which cannot be remounted)");
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(ByteBuffer.wrap((String.join(",", options) + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.shutdownOutput();
            String answer = readAll(channel).strip();
            if (!answer.equals("ok")) {
                throw new IOException(answer.startsWith("error: ") ? answer.substring(7)
                        : "the server gave no answer (it may have stopped)");
            }
        }
    }

    /** The socket of the mount on {@code mountpoint}: its device number, as st_dev has it. */
    static Path socketOf(Path mountpoint) throws IOException {
        long dev = (Long) Files.getAttribute(mountpoint, "unix:dev");
        return DIRECTORY.resolve("remount-" + DevT.LINUX.major(dev) + "-" + DevT.LINUX.minor(dev) + ".sock");
    }

    private void serve(FuseMount mount, PrintStream log) {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                String request = readAll(client).strip();
                String answer;
                try {
                    mount.remount(List.of(request));
                    answer = "ok";
                } catch (IOException | RuntimeException e) {
                    answer = "error: " + e.getMessage();
                }
                client.write(ByteBuffer.wrap((answer + "\n").getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.println("ext4j: remount request failed: " + e.getMessage());
                }
            }
        }
    }

    private static String readAll(SocketChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_REQUEST);
        while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
            // until the other side shuts its output
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    /** Stops listening and removes the socket. */
    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            System.err.println("ext4j: removing " + socket + ": " + e.getMessage());
        }
    }
}
