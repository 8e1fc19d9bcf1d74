package org.ext4j.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flags/xflags rule against the kernel's ext4 (FS_IOC_* ioctls on a loop mount, as root) and
 * against the values in uapi/linux/fs.h, paired as fileattr_fill_flags pairs them.
 */
class FsXflagsTest {
    @TempDir
    Path temp;

    /**
     * Sets FS_*_FL flags with FS_IOC_SETFLAGS on a fresh file and prints what FS_IOC_GETFLAGS and
     * FS_IOC_FSGETXATTR then report ("get FLAGS XFLAGS"), or sets flags, then xflags with
     * FS_IOC_FSSETXATTR, and prints the flags before and after ("set BEFORE XFLAGS AFTER").
     */
    private static final String PROBE = """
            import fcntl, os, struct, sys
            GETFLAGS, SETFLAGS, FSGETXATTR, FSSETXATTR = 0x80086601, 0x40086602, 0x801c581f, 0x401c5820
            def getflags(fd):
                return struct.unpack("I", fcntl.ioctl(fd, GETFLAGS, bytes(4)))[0]
            n = 0
            for line in sys.stdin:
                kind, flags, xflags = line.split()
                n += 1
                path = "f%d" % n
                open(path, "w").close()
                fd = os.open(path, os.O_RDONLY)
                try:
                    fcntl.ioctl(fd, SETFLAGS, struct.pack("I", getflags(fd) | int(flags, 0)))
                    before = getflags(fd)
                    attr = bytearray(fcntl.ioctl(fd, FSGETXATTR, bytes(28)))
                    if kind == "get":
                        print("get", before, struct.unpack_from("I", attr, 0)[0])
                    else:
                        struct.pack_into("I", attr, 0, int(xflags, 0))
                        fcntl.ioctl(fd, FSSETXATTR, bytes(attr))
                        print("set", before, int(xflags, 0), getflags(fd))
                finally:
                    os.close(fd)
            """;

    /**
     * Every flag with an xflag form but PROJINHERIT (ext4 refuses it without the project feature,
     * which needs a kernel with quota support), alone and together, both ways; FSSETXATTR on files
     * whose other flags (EXTENTS from mkfs, and flags that xflags clear) must stay or go.
     */
    @Test
    void theKernelsExt4ReportsAndSetsTheSameXflags() throws IOException {
        List<String> cases = List.of("get 0x8 0", "get 0x10 0", "get 0x20 0", "get 0x40 0", "get 0x80 0",
                "get 0x2000000 0", "get 0x20000f8 0", "get 0 0",
                "set 0 0x20", "set 0 0x8", "set 0 0x10", "set 0 0x80", "set 0 0x40", "set 0 0x8000",
                "set 0xc8 0x18", "set 0x2000088 0x8040", "set 0x20000f8 0");
        Path script = Files.writeString(temp.resolve("probe.py"), PROBE);
        Path input = Files.writeString(temp.resolve("cases"), String.join("\n", cases) + "\n");
        Path image = ImageFactory.mkfs(temp.resolve("xflags.img"), "32M");
        Tools.require("python3");
        String out = Tools.onKernelMount(image, temp.resolve("mnt"), "",
                "python3 " + script + " < " + input);
        String[] lines = out.strip().split("\n");
        assertEquals(cases.size(), lines.length, out);
        for (int i = 0; i < lines.length; i++) {
            String[] w = lines[i].split(" ");
            int flags = Integer.parseUnsignedInt(w[1]);
            if (w[0].equals("get")) {
                assertEquals(Integer.parseUnsignedInt(w[2]), FsXflags.of(flags), cases.get(i) + " -> " + lines[i]);
            } else {
                assertEquals(Integer.parseUnsignedInt(w[3]), FsXflags.withXflags(flags, Integer.parseUnsignedInt(w[2])),
                        cases.get(i) + " -> " + lines[i]);
            }
        }
    }

    /** The seven pairs of fileattr_fill_flags (fs/ioctl.c), with their values from this machine's linux/fs.h. */
    @Test
    void everyPairIsTheOneTheHeaderNames() throws IOException {
        String[][] pairs = {{"FS_SYNC_FL", "FS_XFLAG_SYNC"}, {"FS_IMMUTABLE_FL", "FS_XFLAG_IMMUTABLE"},
            {"FS_APPEND_FL", "FS_XFLAG_APPEND"}, {"FS_NODUMP_FL", "FS_XFLAG_NODUMP"},
            {"FS_NOATIME_FL", "FS_XFLAG_NOATIME"}, {"FS_DAX_FL", "FS_XFLAG_DAX"},
            {"FS_PROJINHERIT_FL", "FS_XFLAG_PROJINHERIT"}};
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <linux/fs.h>\nint main(void) {\n");
        for (String[] pair : pairs) {
            c.append("    printf(\"%u %u\\n\", (unsigned) ").append(pair[0]).append(", (unsigned) ").append(pair[1])
                    .append(");\n");
        }
        c.append("    return 0;\n}\n");
        Path src = Files.writeString(temp.resolve("fs.c"), c);
        Path bin = temp.resolve("fs");
        Tools.Result cc = Tools.run(List.of("cc", "-o", bin.toString(), src.toString()));
        assertEquals(0, cc.exitCode(), () -> "the linux/fs.h probe does not compile (scripts/test.sh installs gcc and "
                + "libc6-dev, which brings linux-libc-dev):\n" + cc.stderr());
        String[] lines = Tools.runOk(List.of(bin.toString())).stdout().strip().split("\n");
        assertEquals(pairs.length, lines.length);
        int allFlags = 0;
        int allXflags = 0;
        for (int i = 0; i < pairs.length; i++) {
            String[] w = lines[i].split(" ");
            int flag = Integer.parseUnsignedInt(w[0]);
            int xflag = Integer.parseUnsignedInt(w[1]);
            assertEquals(xflag, FsXflags.of(flag), pairs[i][0]);
            assertEquals(flag, FsXflags.withXflags(0, xflag), pairs[i][1]);
            assertEquals(0, FsXflags.withXflags(flag, 0), pairs[i][0] + " cleared by an fsxattr without " + pairs[i][1]);
            allFlags |= flag;
            allXflags |= xflag;
        }
        assertEquals(0, FsXflags.of(~allFlags), "only these seven flags have an xflag form");
        assertEquals(~allFlags, FsXflags.withXflags(~allFlags, ~allXflags), "the other flags stay as they are");
    }
}
