package org.ext4j.winfsp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names ext4 allows and Windows does not, through backend-winfsp and WinFsp's ABI (the shim, which
 * converts names as WinFsp does: UTF-8 to UTF-16 with U+FFFD for what is not UTF-8, forbidden
 * characters to U+F0xx): each is listed under its Windows spelling, opens by it, and what a Windows
 * program creates, renames or links under an escaped spelling lands on the disk as the ext4 name it
 * stands for (debugfs reads the bytes back); spellings no name is shown as are refused.
 */
class WindowsNamesIT {
    @TempDir
    Path temp;

    @Test
    void everyNameRoundTripsBetweenExt4AndWindows() throws Exception {
        Path drives = temp.resolve("drives");
        WinFspHost host = WinFspTestSupport.requireCanMount(drives);
        Tools.require("python3");
        Path script = temp.resolve("windows_names.py");
        try (InputStream in = WindowsNamesIT.class.getResourceAsStream("windows_names.py")) {
            Files.copy(in, script);
        }
        Path seed = Files.createDirectory(temp.resolve("seed"));
        Tools.runOk(List.of("python3", script.toString(), "seed", seed.toString()));
        Path image = temp.resolve("names.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-d", seed.toString(), image.toString(), "16M"));

        HighLevelMount mount = WinFspTestSupport.mount(image, MountPoint.parse("N:"),
                WinFspOptions.defaults(image.toString(), "NAMES"), host);
        Path n = drives.resolve("N");
        String seen;
        try {
            seen = Tools.runOk(List.of("python3", script.toString(), "windows", n.toString())).stdout();
        } finally {
            HighLevelMounts.unmountForSure(mount, n);
        }
        assertEquals(String.join("\n",
                "listed a\\uf03ab -> colon",
                "listed caf\\uf0e9 -> latin-1",
                "listed dir\\uf02e -> ",
                "listed lost+found -> ",
                "listed notes\\uf02e -> trailing dot",
                "listed q\\uf03f\\uf02a -> wildcards",
                "listed trail\\uf020 -> trailing space",
                "listed \\xe9t\\xe9 -> plain UTF-8",
                "listed \\uf0ef\\uf080\\uf0ba -> a stored private-use character",
                "listed " + "\\uf0ff".repeat(100) + " -> a hundred bytes that are not UTF-8",
                "readlink: ../caf\\uf0e9",
                "read through link: latin-1",
                "create new\\uf02e: ok",
                "create x\\uf03ay: ok",
                "create bytes: ok",
                "create x\\uf02ey: Invalid argument",
                "open x\\uf02ey: No such file or directory",
                "rename: ok",
                "mkdir: ok",
                "symlink: ok",
                "unlink: ok", ""), seen);

        ImageFactory.requireClean(image);
        // The kernel's ext4 names the bytes.
        String onDisk = Tools.onKernelMount(image, temp.resolve("kernel"), ",ro", "python3 -c \"import os; "
                + "print(sorted(n for n in os.listdir(b'.') if n != b'lost+found')); print(os.readlink(b'to-folder'))\"");
        assertEquals("[b'a:b', b'caf\\xe9', b'dir.', b'folder.', b'new.', b'notes.', b'renamed ', b'to-folder', "
                + "b'x:y', b'\\xc3\\xa9t\\xc3\\xa9', b'\\xef\\x80\\xba', b'\\xfe\\xfd', b'" + "\\xff".repeat(100) + "']\n"
                + "b'folder.'\n", onDisk);
    }
}
