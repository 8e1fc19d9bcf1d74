package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.xattr.PosixAcl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POSIX ACLs in the core against the kernel's ext4 on identical images: access checks by users
 * allowed or refused only by ACL entries (faccessat through setpriv on a loop mount against
 * {@link PosixFileSystem#access}), inheritance of a directory's default ACL by new files, fifos and
 * directories (getfacl -n and stat of both images), and setgid cleared when a user outside the
 * file's group sets an access ACL. Every written image passes e2fsck -fn.
 */
class AclParityTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;
    private static final String[] FILES = {"f", "g", "h", "i", "d"};
    private static final int[] MASKS = {4, 2, 1, 6, 5};

    /** uid, gid, supplementary groups: a named user, members of named groups, and other. */
    private static final long[][] IDENTITIES = {{1000, 1000}, {1001, 1001, 3000}, {1002, 1002, 3000, 3001}, {1003, 1003}};

    @TempDir
    Path dir;

    /** The starting image: every ACL set by the kernel itself. */
    private Path base() {
        Path img = dir.resolve("base.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "1024", img.toString(), "32M"));
        onKernel(img, String.join(" && ",
                // f: user 1000 may read and write only through its named entry; other gets nothing.
                "echo data > f && chmod 0640 f && setfacl -m u:1000:rw f",
                // g: group 3000 gets rw, but the mask limits it to r.
                "echo data > g && chmod 0600 g && setfacl -m g:3000:rw,m::r g",
                // h: a named entry without permissions refuses user 1000 although other may read.
                "echo data > h && chmod 0604 h && setfacl -m u:1000:---,m::r h",
                // i: the owning group grants nothing, named group 3001 grants r; other may read.
                "echo data > i && chown 0:3000 i && chmod 0604 i && setfacl -m g:3001:r i",
                // d: user 1000 may search but not list.
                "mkdir d && chmod 0700 d && setfacl -m u:1000:--x d",
                // p: a default ACL (setgid directory), q: none (the umask applies).
                "mkdir p && chmod 2777 p && setfacl -d -m u:1000:rwx,g:3000:r-x,o::r-x p",
                "mkdir q && chmod 0777 q",
                // k and l: setgid files owned by user 1000, in a group he is not in (k) and in his own (l).
                "echo data > k && chown 1000:4000 k && chmod 2770 k",
                "echo data > l && chown 1000:1000 l && chmod 2770 l"));
        return img;
    }

    /** Runs {@code shell} in the root of a loop mount of {@code img}, unmounting afterwards; returns stdout. */
    private String onKernel(Path img, String shell) {
        return Tools.onKernelMount(img, dir.resolve("mnt"), "", shell);
    }

    @Test
    void accessByAclEntriesMatchesTheKernel() throws Exception {
        Path img = base();
        StringBuilder kernelScript = new StringBuilder("true");
        String probe = "import os,sys\n"
                + "for f in sys.argv[1:]:\n"
                + "    for m in (" + join(MASKS) + "):\n"
                + "        print(os.getuid(), f, m, 'ok' if os.access(f, m) else 'EACCES')\n";
        for (long[] id : IDENTITIES) {
            kernelScript.append(" && setpriv --reuid=").append(id[0]).append(" --regid=").append(id[1])
                    .append(id.length > 2 ? " --groups=" + groups(id) : " --clear-groups")
                    .append(" /usr/bin/python3 -c \"").append(probe).append("\" ").append(String.join(" ", FILES));
        }
        String expected = onKernel(img, kernelScript.toString());

        StringBuilder actual = new StringBuilder();
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            for (long[] id : IDENTITIES) {
                Caller caller = caller(id);
                for (String f : FILES) {
                    long ino = ino(vol, f);
                    for (int m : MASKS) {
                        String outcome;
                        try {
                            vol.access(caller, ino, m);
                            outcome = "ok";
                        } catch (Ext4Exception e) {
                            outcome = e.errno().name();
                        }
                        actual.append(id[0]).append(' ').append(f).append(' ').append(m).append(' ').append(outcome).append('\n');
                    }
                }
            }
        }
        assertEquals(expected, actual.toString());
        // The oracle allowed what only an ACL entry allows: user 1000 writes f, group 3001 reads i.
        assertTrue(expected.contains("1000 f 6 ok") && expected.contains("1002 i 4 ok") && expected.contains("1001 i 4 EACCES"),
                expected);
        ImageFactory.requireClean(img);
    }

    private static final String REPORT = "for x in p/sub p/sub/deeper p/file p/fifo p/user p/link q/sub q/file k l; do "
            + "getfacl -n $x 2>&1; stat -c '%n %A %u:%g %F' $x; done";

    @Test
    void newInodesInheritDefaultAclsAndSetfaclClearsSetgidAsTheKernelDoes() throws Exception {
        Path base = base();
        Path kernel = Files.copy(base, dir.resolve("kernel.img"));
        Path ext4j = Files.copy(base, dir.resolve("ext4j.img"));
        String asUser1000 = "setpriv --reuid=1000 --regid=1000 --clear-groups ";
        onKernel(kernel, String.join(" && ", "umask 022",
                "mkdir p/sub && mkdir -m 0750 p/sub/deeper && touch p/file && mkfifo -m 0660 p/fifo && ln -s file p/link",
                asUser1000 + "sh -c 'umask 077 && touch p/user'",
                "mkdir q/sub && touch q/file",
                asUser1000 + "setfacl -m u:2000:r k", asUser1000 + "setfacl -m u:2000:r l"));

        Caller user = caller(new long[] {1000, 1000});
        try (PosixFileSystem vol = PosixFileSystem.open(ext4j, OpenOptions.READ_WRITE)) {
            long p = ino(vol, "p");
            long q = ino(vol, "q");
            long sub = vol.mkdir(Caller.ROOT, p, bytes("sub"), 0777, 022).ino();
            vol.mkdir(Caller.ROOT, sub, bytes("deeper"), 0750, 022);
            created(vol, vol.create(Caller.ROOT, p, bytes("file"), 0666, 022, WritableFileSystem.O_WRONLY));
            vol.mknod(Caller.ROOT, p, bytes("fifo"), FileType.FIFO.modeBits() | 0660, 022, 0, 0);
            vol.symlink(Caller.ROOT, p, bytes("link"), bytes("file"));
            created(vol, vol.create(user, p, bytes("user"), 0666, 077, WritableFileSystem.O_WRONLY));
            vol.mkdir(Caller.ROOT, q, bytes("sub"), 0777, 022);
            created(vol, vol.create(Caller.ROOT, q, bytes("file"), 0666, 022, WritableFileSystem.O_WRONLY));
            // What setfacl -m u:2000:r computes for a 0770 file: the mask is the union of the group class.
            byte[] acl = new PosixAcl(List.of(new PosixAcl.Entry(PosixAcl.ACL_USER_OBJ, 7, PosixAcl.ACL_UNDEFINED_ID),
                    new PosixAcl.Entry(PosixAcl.ACL_USER, 4, 2000),
                    new PosixAcl.Entry(PosixAcl.ACL_GROUP_OBJ, 7, PosixAcl.ACL_UNDEFINED_ID),
                    new PosixAcl.Entry(PosixAcl.ACL_MASK, 7, PosixAcl.ACL_UNDEFINED_ID),
                    new PosixAcl.Entry(PosixAcl.ACL_OTHER, 0, PosixAcl.ACL_UNDEFINED_ID))).toXattr();
            vol.setxattr(user, ino(vol, "k"), "system.posix_acl_access", acl, 0);
            vol.setxattr(user, ino(vol, "l"), "system.posix_acl_access", acl, 0);
        }
        ImageFactory.requireClean(ext4j);
        ImageFactory.requireClean(kernel);
        String expected = onKernel(kernel, REPORT);
        String actual = onKernel(ext4j, REPORT);
        assertEquals(expected, actual);
        List<String> lines = new ArrayList<>(List.of(expected.split("\n")));
        // The oracle did inherit: a named entry on the new file, a default ACL on the new directory,
        // and k lost its setgid bit while l kept it.
        assertTrue(lines.contains("user:1000:rwx\t#effective:rw-") && lines.contains("default:user:1000:rwx")
                && lines.contains("k -rwxrwx--- 1000:4000 regular file") && lines.contains("l -rwxrws--- 1000:1000 regular file"),
                expected);
    }

    /** A file opened by create is released at once: only its attributes matter here. */
    private static void created(PosixFileSystem vol, WritableFileSystem.Created c) {
        vol.release(c.attributes().ino(), c.handle());
    }

    private static Caller caller(long[] id) {
        long[] groups = new long[id.length - 2];
        System.arraycopy(id, 2, groups, 0, groups.length);
        return new Caller(id[0], id[1], groups, 0);
    }

    private static String groups(long[] id) {
        StringBuilder sb = new StringBuilder();
        for (int i = 2; i < id.length; i++) {
            sb.append(i > 2 ? "," : "").append(id[i]);
        }
        return sb.toString();
    }

    private static String join(int[] values) {
        StringBuilder sb = new StringBuilder();
        for (int v : values) {
            sb.append(v).append(',');
        }
        return sb.toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static long ino(PosixFileSystem vol, String path) {
        long ino = ROOT;
        for (String part : path.split("/")) {
            ino = vol.lookup(Caller.ROOT, ino, bytes(part)).ino();
        }
        return ino;
    }
}
