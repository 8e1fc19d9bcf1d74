package org.ext4j.core.xattr;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the external oracles (mkfs.ext4, debugfs, setfattr, setfacl, getfacl) for the xattr and inline tests. */
public final class Tools {
    private Tools() {
    }

    /** Runs a command, returning stdout; fails on a non-zero exit with its stderr. */
    public static String run(String... cmd) throws IOException, InterruptedException {
        return run(List.of(cmd));
    }

    public static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " exited " + p.exitValue() + ": " + new String(err, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** True when {@code tool} is on the PATH (setfattr, setfacl come from optional packages). */
    public static boolean available(String tool) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** mkfs.ext4 -q -F -d {@code src} with extra options, into {@code img} of {@code size}. */
    public static void mkfs(Path src, Path img, String size, String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-t", "ext4"));
        cmd.addAll(Arrays.asList(options));
        cmd.addAll(List.of("-d", src.toString(), img.toString(), size));
        run(cmd);
    }

    /** Output of one debugfs request on {@code img}. */
    public static String debugfs(Path img, String request) throws IOException, InterruptedException {
        return run("debugfs", "-R", request, img.toString());
    }

    /** The inode number of {@code path} in the image, as debugfs stat reports it. */
    public static long inum(Path img, String path) throws IOException, InterruptedException {
        return Long.parseLong(field(debugfs(img, "stat " + path), "Inode:\\s+(\\d+)"));
    }

    /** The first group of {@code regex} in {@code text}; fails when absent. */
    public static String field(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no match for " + regex + " in:\n" + text);
        }
        return m.group(1);
    }

    /** The names debugfs ea_list shows for {@code path}. */
    public static List<String> eaNames(Path img, String path) throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^  (\\S+) \\((\\d+)\\)").matcher(debugfs(img, "ea_list " + path));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The raw on-disk value of xattr {@code name} of {@code path} (debugfs ea_get -r). */
    public static byte[] eaGetRaw(Path img, String path, String name, Path scratch) throws IOException, InterruptedException {
        Path out = scratch.resolve("ea_get.out");
        Files.deleteIfExists(out);
        debugfs(img, "ea_get -r -f " + out + " " + path + " " + name);
        return Files.readAllBytes(out);
    }
}
