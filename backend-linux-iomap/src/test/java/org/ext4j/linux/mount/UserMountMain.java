package org.ext4j.linux.mount;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.ext4j.linux.LinuxBackend;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.MountOptionParser;

/**
 * A process that mounts image {@code args[0]} on {@code args[1]} with the mount options that
 * follow, prints "mounted", unmounts itself when it reads "unmount" (or waits for an unmount from
 * outside at end of input), and prints "closed" once the image is closed.
 */
public final class UserMountMain {
    private UserMountMain() {
    }

    public static void main(String[] args) throws Exception {
        MountOptions options = MountOptionParser.parse(MountOptions.readWrite(args[0]),
                Arrays.asList(args).subList(2, args.length));
        FuseMount mount = LinuxBackend.mount(Path.of(args[0]), Path.of(args[1]), options);
        System.out.println("mounted");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = in.readLine();
        if ("unmount".equals(line)) {
            mount.unmount();
        } else {
            mount.waitUntilUnmounted();
        }
        System.out.println("closed");
        System.out.flush();
    }
}
