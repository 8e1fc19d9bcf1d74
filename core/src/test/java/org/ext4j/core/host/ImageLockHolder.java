package org.ext4j.core.host;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A second JVM for {@link ImageLockTest}: locks the image named by its argument and prints
 * "locked", holding the lock until its standard input ends; or prints "refused: MESSAGE" and
 * exits with 1.
 */
public final class ImageLockHolder {
    private ImageLockHolder() {
    }

    public static void main(String[] args) throws IOException {
        ImageLock lock;
        try {
            lock = ImageLock.acquire(Path.of(args[0]));
        } catch (IOException e) {
            System.out.println("refused: " + e.getMessage());
            System.out.flush();
            System.exit(1);
            return;
        }
        System.out.println("locked");
        System.out.flush();
        System.in.readAllBytes();
        lock.close();
        System.out.println("released");
    }
}
