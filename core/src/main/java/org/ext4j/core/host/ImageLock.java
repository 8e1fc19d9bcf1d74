package org.ext4j.core.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Keeps a second writer away from an image while ext4j writes it, on every OS: an exclusive
 * {@link FileChannel#tryLock} of one byte far past the end of any image (a POSIX record lock on
 * Linux, macOS and FreeBSD, LockFileEx on Windows, where locks are mandatory and so must not
 * cover bytes the volume reads). Locks belong to the file, not the name, so a hard link, a
 * symbolic link or another path to the same image is refused as well, in this process (the JDK
 * keeps one lock table per file) and in any other. Every ext4j command that writes an image
 * takes it; a second {@code ext4j mount} or an {@code ext4j cp} into a mounted image fails at
 * once, naming the holder where the OS says who it is (/proc/locks on Linux).
 *
 * <p>A POSIX record lock has one weakness: the process loses it when it closes any descriptor
 * of the file. ext4j's core opens an image once and closes it only after the lock's holder is
 * done with it; code that opens the image again (a Linux loop device) must hold a claim that
 * does not have this weakness. Such platform additions come from
 * {@link ImageClaimProvider}s: on Linux a flock(2), which also keeps util-linux flock(1) and
 * older ext4j out, and for a block device the kernel's exclusive claim (O_EXCL), which keeps
 * mkfs, e2fsck and kernel mounts away.
 */
public final class ImageLock implements AutoCloseable {
    /** The byte locked: past any image, so that no read or write of the volume touches it. */
    static final long LOCK_POSITION = Long.MAX_VALUE - 1;

    /** The main class of the ext4j command, as it shows in a holder's command line. */
    private static final String EXT4J_MAIN = "org.ext4j.dist.Main";

    private final Path image;
    private final boolean blockDevice;
    /** The channel whose lock this is: closing it releases the lock. */
    private final FileChannel channel;
    private final List<ImageClaim> claims;
    private boolean closed;

    private ImageLock(Path image, boolean blockDevice, FileChannel channel, List<ImageClaim> claims) {
        this.image = image;
        this.blockDevice = blockDevice;
        this.channel = channel;
        this.claims = claims;
    }

    /**
     * Locks {@code image} for writing, then takes every platform claim.
     *
     * @throws IOException saying who holds it when another ext4j has the image, that it cannot be
     *                     written by this user, or what a platform claim refused
     */
    public static ImageLock acquire(Path image) throws IOException {
        boolean device = isBlockDevice(image);
        FileChannel channel;
        try {
            // An exclusive lock needs a channel open for writing, which a writer of the image has anyway.
            channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new IOException(image + " is not writable by you (permission denied), so it cannot be locked for writing", e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock(LOCK_POSITION, 1, false);
        } catch (OverlappingFileLockException e) {
            // This JVM holds it already, through this path or another name of the same file.
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw inUse(image);
        }
        List<ImageClaim> claims = new ArrayList<>();
        try {
            for (ImageClaimProvider provider : providers()) {
                provider.claim(image, device).ifPresent(claims::add);
            }
        } catch (IOException | RuntimeException e) {
            release(claims, channel);
            throw e;
        }
        return new ImageLock(image, device, channel, List.copyOf(claims));
    }

    /** The refusal for an image another ext4j has locked, naming the holder where the OS tells. */
    public static IOException inUse(Path image) {
        return new IOException(image + " is in use by another ext4j" + holder(image)
                + ": it is mounted or being written; unmount it (ext4j umount) or wait, then try again");
    }

    /** True when {@code image} is a block device (false for a file, and on systems without device nodes). */
    public static boolean isBlockDevice(Path image) throws IOException {
        try {
            return ((Integer) Files.getAttribute(image, "unix:mode") & 0170000) == 0060000;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // No "unix" attribute view (Windows): images there are files.
            return false;
        }
    }

    /** The locked image, as it was named. */
    public Path image() {
        return image;
    }

    /** Whether the locked image is a block device. */
    public boolean blockDevice() {
        return blockDevice;
    }

    /** The platform claim of type {@code type} this lock holds, if one was taken. */
    public <T extends ImageClaim> Optional<T> claim(Class<T> type) {
        return claims.stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    /** Releases the platform claims, then the lock. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        release(claims, channel);
    }

    private static void release(List<ImageClaim> claims, FileChannel channel) {
        for (int i = claims.size() - 1; i >= 0; i--) {
            claims.get(i).close();
        }
        try {
            // Closing the channel releases the lock too; closing is what must not be skipped.
            channel.close();
        } catch (IOException e) {
            // The descriptor is gone either way, and with it the lock.
            System.err.println("ext4j: closing the lock of an image: " + e.getMessage());
        }
    }

    private static List<ImageClaimProvider> providers() throws IOException {
        List<ImageClaimProvider> found = new ArrayList<>();
        try {
            for (ImageClaimProvider p : ServiceLoader.load(ImageClaimProvider.class, ImageLock.class.getClassLoader())) {
                found.add(p);
            }
        } catch (ServiceConfigurationError e) {
            throw new IOException("cannot load the image lock of this platform: " + e.getMessage(), e);
        }
        return found;
    }

    /** " (pid N: COMMAND)" for the process /proc/locks names as holding a lock on {@code image}, or "". */
    static String holder(Path image) {
        Path locks = Path.of("/proc/locks");
        if (HostOs.current() != HostOs.LINUX || !Files.isReadable(locks)) {
            return "";
        }
        try {
            long ino = ((Number) Files.getAttribute(image, "unix:ino")).longValue();
            long dev = ((Number) Files.getAttribute(image, "unix:dev")).longValue();
            String id = String.format("%02x:%02x:%d", DevT.LINUX.major(dev), DevT.LINUX.minor(dev), ino);
            for (String line : Files.readAllLines(locks, StandardCharsets.UTF_8)) {
                String[] f = line.trim().split("\\s+");
                // "1: POSIX  ADVISORY  WRITE 4242 08:01:1234 ..." (FLOCK for flock(2)); "->" marks waiters.
                if (f.length > 5 && (f[1].equals("FLOCK") || f[1].equals("POSIX")) && f[5].equals(id)) {
                    String pid = f[4];
                    return " (pid " + pid + commandOf(pid) + ")";
                }
            }
        } catch (IOException | RuntimeException e) {
            return " (" + e.getMessage() + " while looking for the holder)";
        }
        return "";
    }

    private static String commandOf(String pid) {
        try {
            String cmd = new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
            int main = cmd.indexOf(EXT4J_MAIN);
            if (main >= 0) {
                // A JVM's command line is mostly class path: show it as the ext4j command it runs.
                cmd = "ext4j" + cmd.substring(main + EXT4J_MAIN.length());
            }
            return cmd.isEmpty() ? "" : ": " + (cmd.length() > 160 ? cmd.substring(0, 160) + "..." : cmd);
        } catch (IOException e) {
            return "";
        }
    }
}
