package org.ext4j.linux.iomap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.ext4j.linux.session.FuseDevice;
import org.ext4j.linux.session.Libc;

/**
 * A loop device over an image file, attached with direct I/O (the kernel's data I/O then does
 * not go through a second page cache) and autoclear (it detaches itself when its last opener
 * closes it, so a crashed server leaves no device behind). Attached with LOOP_CTL_GET_FREE and
 * LOOP_CONFIGURE; on kernels without LOOP_CONFIGURE (before 5.8) through
 * {@code losetup --direct-io=on -f --show}, and detached explicitly at close.
 */
public final class LoopDevice implements AutoCloseable {
    static final long LOOP_CONFIGURE = 0x4C0A;
    static final long LOOP_CTL_GET_FREE = 0x4C82;
    static final int LO_FLAGS_READ_ONLY = 1;
    static final int LO_FLAGS_AUTOCLEAR = 4;
    static final int LO_FLAGS_DIRECT_IO = 16;
    /** {@code struct loop_config}: u32 fd, u32 block_size, struct loop_info64 (232 bytes), u64 reserved[8]. */
    static final int LOOP_CONFIG_SIZE = 4 + 4 + 232 + 64;
    /** Offsets inside loop_config of loop_info64's lo_flags and lo_file_name[64]. */
    static final int LO_FLAGS_OFFSET = 8 + 52;
    static final int LO_FILE_NAME_OFFSET = 8 + 56;
    private static final int LO_NAME_SIZE = 64;
    /** LOOP_CTL_GET_FREE then LOOP_CONFIGURE can lose a race for the device; try a few times. */
    private static final int ATTEMPTS = 8;
    private static final int ENOTTY = 25;

    private static final POSIX POSIX_CALLS = POSIXFactory.getNativePOSIX();

    private final Path node;
    private final int fd;
    private final boolean detachExplicitly;
    private boolean closed;

    private LoopDevice(Path node, int fd, boolean detachExplicitly) {
        this.node = node;
        this.fd = fd;
        this.detachExplicitly = detachExplicitly;
    }

    /**
     * Attaches a free loop device to {@code image} and keeps it open.
     *
     * @throws IOException when the image already backs a loop device (two block devices over
     *                     one file would cache it twice), or no device can be attached
     */
    public static LoopDevice attach(Path image, boolean readOnly) throws IOException {
        Path file = image.toRealPath();
        List<String> users = backingDevices(file);
        if (!users.isEmpty()) {
            throw new IOException(file + " already backs " + String.join(", ", users));
        }
        int fileFd = POSIX_CALLS.open(file.toString(), (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | Libc.O_CLOEXEC, 0);
        if (fileFd < 0) {
            throw new IOException("cannot open " + file + ": " + FuseDevice.describe(POSIX_CALLS.errno()));
        }
        try {
            return configure(file, fileFd, readOnly);
        } finally {
            // The loop device holds its own reference to the file.
            POSIX_CALLS.close(fileFd);
        }
    }

    private static LoopDevice configure(Path file, int fileFd, boolean readOnly) throws IOException {
        int control = POSIX_CALLS.open("/dev/loop-control", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        if (control < 0) {
            throw new IOException("cannot open /dev/loop-control: " + FuseDevice.describe(POSIX_CALLS.errno()));
        }
        try {
            int lastErrno = 0;
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                int number = Libc.get().ioctl(control, LOOP_CTL_GET_FREE, null);
                if (number < 0) {
                    throw new IOException("LOOP_CTL_GET_FREE failed: " + FuseDevice.describe(Libc.errno()));
                }
                Path node = Path.of("/dev/loop" + number);
                int fd = POSIX_CALLS.open(node.toString(), (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | Libc.O_CLOEXEC, 0);
                if (fd < 0) {
                    throw new IOException("cannot open " + node + ": " + FuseDevice.describe(POSIX_CALLS.errno()));
                }
                Pointer config = loopConfig(fileFd, file, readOnly);
                if (Libc.get().ioctl(fd, LOOP_CONFIGURE, config) == 0) {
                    return new LoopDevice(node, fd, false);
                }
                lastErrno = Libc.errno();
                POSIX_CALLS.close(fd);
                if (lastErrno == ENOTTY || lastErrno == Libc.EINVAL) {
                    return withLosetup(file, readOnly);
                }
                if (lastErrno != Libc.EBUSY) {
                    break;
                }
            }
            throw new IOException("LOOP_CONFIGURE of " + file + " failed: " + FuseDevice.describe(lastErrno));
        } finally {
            POSIX_CALLS.close(control);
        }
    }

    /** The loop_config argument: the file, direct I/O, autoclear, read-only when asked, the name for losetup -l. */
    static Pointer loopConfig(int fileFd, Path file, boolean readOnly) {
        Pointer p = Memory.allocateDirect(Runtime.getRuntime(Libc.get()), LOOP_CONFIG_SIZE, true);
        p.putInt(0, fileFd);
        p.putInt(4, 0);
        p.putInt(LO_FLAGS_OFFSET, LO_FLAGS_DIRECT_IO | LO_FLAGS_AUTOCLEAR | (readOnly ? LO_FLAGS_READ_ONLY : 0));
        byte[] name = file.toString().getBytes(StandardCharsets.UTF_8);
        p.put(LO_FILE_NAME_OFFSET, name, 0, Math.min(name.length, LO_NAME_SIZE - 1));
        return p;
    }

    private static LoopDevice withLosetup(Path file, boolean readOnly) throws IOException {
        List<String> command = readOnly ? List.of("losetup", "--direct-io=on", "-r", "-f", "--show", file.toString())
                : List.of("losetup", "--direct-io=on", "-f", "--show", file.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running losetup", e);
        }
        Path node = Path.of(out);
        int fd = POSIX_CALLS.open(out, (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = POSIX_CALLS.errno();
            new ProcessBuilder("losetup", "-d", out).inheritIO().start();
            throw new IOException("cannot open " + node + ": " + FuseDevice.describe(errno));
        }
        return new LoopDevice(node, fd, true);
    }

    /** The loop devices (as /dev/loopN) whose backing file is {@code file}. */
    static List<String> backingDevices(Path file) throws IOException {
        Path sys = Path.of("/sys/block");
        List<String> found = new java.util.ArrayList<>();
        if (!Files.isDirectory(sys)) {
            return found;
        }
        try (DirectoryStream<Path> loops = Files.newDirectoryStream(sys, "loop*")) {
            for (Path loop : loops) {
                Path backing = loop.resolve("loop/backing_file");
                if (Files.isReadable(backing)
                        && Files.readString(backing, StandardCharsets.UTF_8).trim().equals(file.toString())) {
                    found.add("/dev/" + loop.getFileName());
                }
            }
        }
        return found;
    }

    /** The device node, e.g. /dev/loop3. */
    public Path node() {
        return node;
    }

    /** The open descriptor of the device (what BACKING_OPEN registers). */
    public int fd() {
        return fd;
    }

    /** Closes the device; autoclear detaches it once nobody else (the kernel's iomap) holds it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        POSIX_CALLS.close(fd);
        if (detachExplicitly) {
            try {
                Process p = new ProcessBuilder("losetup", "-d", node.toString()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    System.err.println("ext4j: losetup -d " + node + " failed: " + out);
                }
            } catch (IOException e) {
                System.err.println("ext4j: losetup -d " + node + " failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                System.err.println("ext4j: interrupted while detaching " + node);
            }
        }
    }
}
