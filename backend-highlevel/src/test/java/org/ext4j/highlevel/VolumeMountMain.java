package org.ext4j.highlevel;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;

/**
 * A process that mounts image {@code args[0]} on {@code args[1]} through the fuse3 backend with
 * the mount options that follow, prints "mounted", unmounts itself when it reads "unmount" (or
 * waits for an unmount from outside at end of input), and prints "closed" once the volume is
 * closed.
 */
public final class VolumeMountMain {
    private VolumeMountMain() {
    }

    public static void main(String[] args) throws Exception {
        HighLevelOptions options = HighLevelOptions.readWrite(args[0]).parse(Arrays.asList(args).subList(2, args.length));
        PosixFileSystem volume = PosixFileSystem.open(Path.of(args[0]),
                options.readOnly() ? OpenOptions.READ_ONLY : OpenOptions.READ_WRITE);
        HighLevelMount mount = HighLevelBackend.mount(volume, Path.of(args[1]), options);
        System.out.println("mounted");
        System.out.flush();
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if ("unmount".equals(line)) {
            mount.unmount();
        } else {
            mount.awaitExit();
        }
        System.out.println("closed");
        System.out.flush();
    }
}
