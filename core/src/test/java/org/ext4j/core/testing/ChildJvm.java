package org.ext4j.core.testing;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

// A second JVM for the mount tests that run a server as a process of its own: the launcher and the class path to give it.
public final class ChildJvm {
    private ChildJvm() {
    }

    /** The java launcher of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This JVM's class path; failsafe hides it in a manifest-only jar, so that is unpacked when needed. */
    public static String classpath() throws IOException {
        String cp = System.getProperty("java.class.path");
        String[] entries = cp.split(File.pathSeparator);
        if (entries.length != 1 || !entries[0].endsWith(".jar")) {
            return cp;
        }
        try (JarFile jar = new JarFile(entries[0])) {
            String manifestPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
            if (manifestPath == null) {
                return cp;
            }
            List<String> paths = new ArrayList<>();
            for (String url : manifestPath.trim().split("\\s+")) {
                paths.add(Path.of(URI.create(url)).toString());
            }
            return String.join(File.pathSeparator, paths);
        }
    }

    /**
     * {@link #classpath()} copied under {@code dir} and made readable by everyone, for a server
     * that runs as an unprivileged user (root's ~/.m2 is private).
     */
    public static String readableClasspath(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : classpath().split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path copy = dir.resolve(i++ + "-" + source.getFileName());
            if (Files.isDirectory(source)) {
                try (Stream<Path> tree = Files.walk(source)) {
                    for (Path p : (Iterable<Path>) tree::iterator) {
                        Path to = copy.resolve(source.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(to);
                        } else {
                            Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } else {
                Files.copy(source, copy);
            }
            entries.add(copy.toString());
        }
        Tools.runOk(List.of("chmod", "-R", "a+rX", dir.toString()));
        return String.join(File.pathSeparator, entries);
    }
}
