package org.ext4j.macfuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Mac user's copy in and out, through backend-macfuse with its defaults (FSKit, a volume in
 * /Volumes named after the label, files shown as the user's, Finder metadata refused) and
 * macFUSE's ABI (the shim): a tree with names in NFC and NFD, a large and a sparse file, copied in
 * by an unprivileged user (uid 1000) onto a volume whose root belongs to root on disk; Finder's
 * {@code ._*} and {@code .DS_Store} files and {@code com.apple.*} attributes refused, a user
 * attribute kept; names written on Linux in either form reached by both spellings; chflags; the
 * image clean, names stored in NFC as the kernel's ext4 shows them; then copied out again, equal
 * to the source up to the names' normalization, and still sparse.
 */
class FinderCopyIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    /** The system's python, which an unprivileged user can run (root's PATH may lead to root's own). */
    private static final String SYSTEM_PYTHON = "/usr/bin/python3";

    @TempDir
    Path temp;

    @Test
    void aMacUserCopiesATreeInAndOut() throws Exception {
        Path volumes = Files.createDirectory(temp.resolve("Volumes"));
        MacFuseTestSupport.requireCanMount(volumes);
        Tools.require("setpriv");
        Tools.require("chattr");
        assertTrue(Files.isExecutable(Path.of(SYSTEM_PYTHON)), "apt-get install python3");
        Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path script = script();
        Path src = Files.createDirectory(temp.resolve("src"));
        python(script, "populate", src);
        Path seed = Files.createDirectory(temp.resolve("seed"));
        python(script, "seed", seed);
        Path image = temp.resolve("disk.img");
        Tools.run(List.of("mkfs.ext4", "-q", "-F", "-L", "EXT4J", "-d", seed.toString(), image.toString(), "96M"), TIMEOUT)
                .requireExit(0);
        Path mnt = volumes.resolve("EXT4J");
        Files.createDirectory(mnt);
        MacFuseOptions options = MacFuseTestSupport.fskitAsMacUser(image, "EXT4J");

        String finder;
        String spelling;
        String onMount;
        HighLevelMount mount = MacFuseTestSupport.mount(image, mnt, options, volumes);
        try {
            asMacUser(List.of("cp", "-r", "--sparse=always", src + "/.", mnt + "/"));
            finder = asMacUser(List.of(SYSTEM_PYTHON, script.toString(), "finder", mnt.toString()));
            spelling = asMacUser(List.of(SYSTEM_PYTHON, script.toString(), "spelling", mnt.toString()));
            onMount = python(script, "list", mnt);
            Path locked = mnt.resolve("Fotos \u00fcber").resolve("big.bin");
            Tools.runOk(List.of("chattr", "+i", locked.toString()));
            assertTrue(Tools.runOk(List.of("lsattr", locked.toString())).stdout().startsWith("----i"),
                    "chflags(SF_IMMUTABLE) through lsattr");
            assertTrue(Tools.run(List.of("sh", "-c", "echo x >> '" + locked + "'")).exitCode() != 0,
                    "an immutable file takes no writes");
            Tools.runOk(List.of("chattr", "-i", locked.toString()));
        } finally {
            HighLevelMounts.unmountForSure(mount, mnt);
        }

        assertLines(finder, "create ._ file: EPERM", "create .DS_Store: EPERM", "mkdir ._dir: EPERM",
                "set org.example.tag: None", "get org.example.tag: b'blue'", "set com.apple.FinderInfo: EPERM",
                // trusted.* is the kernel's to refuse an unprivileged user; macOS could not name it anyway.
                "set com.apple.ResourceFork: EPERM", "get com.apple.quarantine: EPERM", "set trusted.x: EPERM",
                "list: ['user.org.example.tag']");
        String nfcLinux = "6c696e75782d6e66632dc3a9";
        String nfdLinux = "6c696e75782d6e66642d65cc81";
        assertLines(spelling, "read " + nfcLinux + " as NFC: b'written on Linux\\n'",
                "read " + nfcLinux + " as NFD: b'written on Linux\\n'",
                "read " + nfdLinux + " as NFC: b'written on Linux\\n'",
                "read " + nfdLinux + " as NFD: b'written on Linux\\n'",
                "entries: ['" + nfcLinux + "', '" + nfdLinux + "']");
        ImageFactory.requireClean(image);
        assertEquals("rewritten from the Mac\n", new Debugfs(image).run("cat /linux-nfd-e\u0301"),
                "the NFC spelling wrote to the NFD entry written on Linux");

        // The kernel's ext4 sees the names in NFC, the tree as copied, and the user attribute.
        String expected = python(script, "list-nfc", src);
        assertEquals(expected, onMount, "the tree through the mount");
        Path kmnt = Files.createDirectory(temp.resolve("kernel"));
        String onKernel = Tools.onKernelMount(image, kmnt, ",ro", "python3 " + script + " list " + kmnt);
        assertEquals(expected, onKernel, "names stored in NFC, contents equal");
        assertTrue(new Debugfs(image).run("ea_list /caf\u00e9.txt").contains("user.org.example.tag"),
                "the Mac's org.example.tag is ext4's user.org.example.tag");

        // Copied out again by the Mac user: the same tree, the sparse file still sparse.
        Path out = Files.createDirectory(temp.resolve("out"));
        Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        mount = MacFuseTestSupport.mount(image, mnt, options, volumes);
        try {
            asMacUser(List.of("cp", "-r", "--sparse=always", mnt + "/.", out + "/"));
        } finally {
            HighLevelMounts.unmountForSure(mount, mnt);
        }
        assertEquals(expected, python(script, "list", out), "copied out");
        String blocks = python(script, "blocks", out.resolve("Fotos \u00fcber").resolve("sparse.img"));
        long sparseBlocks = Long.parseLong(blocks.trim().substring("sparse blocks: ".length()));
        assertTrue(sparseBlocks < 2048, "a 1 GiB file with two islands stays sparse: " + sparseBlocks + " blocks");
        ImageFactory.requireClean(image);
    }

    private static void assertLines(String actual, String... expected) {
        assertEquals(String.join("\n", expected), actual.trim());
    }

    private String asMacUser(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + MacFuseTestSupport.MAC_UID,
                "--regid=" + MacFuseTestSupport.MAC_GID, "--clear-groups"));
        cmd.addAll(command);
        Tools.Result r = Tools.run(cmd, TIMEOUT);
        assertEquals(0, r.exitCode(), () -> cmd + ": " + r.stderr());
        return r.stdout();
    }

    private String python(Path script, String mode, Path dir) {
        Tools.Result r = Tools.run(List.of("python3", script.toString(), mode, dir.toString()), TIMEOUT);
        assertEquals(0, r.exitCode(), () -> mode + ": " + r.stderr());
        return r.stdout();
    }

    private Path script() throws Exception {
        Path script = temp.resolve("finder_copy.py");
        try (InputStream in = FinderCopyIT.class.getResourceAsStream("finder_copy.py")) {
            Files.write(script, in.readAllBytes());
        }
        return script;
    }
}
