package org.ext4j.dist;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j stat}: everything about one inode, like stat(1), plus its flags and extended attributes. */
@Command(name = "stat", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Show the status of files inside an ext4 image (like stat).",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Prints, for each file: name (and link target), size, 512-byte blocks, I/O block size, "
                + "type, inode number, link count, device numbers for devices, access mode in octal and as "
                + "a string, uid, gid, the four timestamps with nanoseconds (Birth is '-' when the inode "
                + "has no room for it), the inode flags (as lsattr names them), and every extended "
                + "attribute: text values quoted, POSIX ACLs as getfacl entries, other values in hex. Like "
                + "stat(1), a symbolic link is described itself unless -L is given. A link target is "
                + "printed with odd bytes escaped as ls shows them (ls -b style: \\n, \\ooo, \\\\)."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {"  ext4j stat disk.img:/etc/passwd", "  ext4j stat disk.img:          the root directory",
            "  ext4j stat -L disk.img:/bin     follow the link"})
public final class StatCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter ZONE = DateTimeFormatter.ofPattern("Z").withZone(ZoneId.systemDefault());

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = {"-L", "--dereference"}, description = "Follow a symbolic link and describe its target.")
    boolean dereference;

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH", description = "A file inside an image; IMAGE: is the root.")
    List<String> operands;

    @Override
    public Integer call() {
        List<ImagePath> targets = ImageOperands.requirePaths(spec, operands);
        PrintWriter out = spec.commandLine().getOut();
        boolean failed = false;
        for (ImagePath target : targets) {
            try (PosixFileSystem volume = ImageOpener.open(target.image())) {
                Attributes a = new PathWalker(volume, Caller.ROOT).resolve(target.path(), dereference);
                print(out, volume, target.path(), a);
                out.flush();
            } catch (Exception e) {
                failed = true;
                out.flush();
                main.report(spec.commandLine(), CommandFailure.of(target.toString(), target.image().toString(), e));
            }
        }
        return failed ? Main.EXIT_FAILURE : 0;
    }

    private static void print(PrintWriter out, InodeFileSystem fs, String path, Attributes a) {
        String name = path;
        if (a.type() == FileType.SYMLINK) {
            name += " -> " + NameText.target(fs.readlink(a.ino()));
        }
        out.println("  File: " + name);
        out.printf("  Size: %-15d Blocks: %-10d IO Block: %-6d %s%n", a.size(), a.blocks512(), a.blockSize(),
                ModeString.typeName(a.type(), a.size()));
        boolean device = a.type() == FileType.CHAR_DEVICE || a.type() == FileType.BLOCK_DEVICE;
        out.println(String.format("Inode: %-15d Links: %-5d%s", a.ino(), a.nlink(),
                device ? " Device type: " + a.rdevMajor() + "," + a.rdevMinor() : "").stripTrailing());
        out.printf("Access: (%04o/%s)  Uid: (%5d)   Gid: (%5d)%n", a.permissions(), ModeString.of(a.mode()), a.uid(), a.gid());
        out.println("Access: " + time(a.atime()));
        out.println("Modify: " + time(a.mtime()));
        out.println("Change: " + time(a.ctime()));
        out.println(" Birth: " + (a.crtime() == null ? "-" : time(a.crtime())));
        List<String> flags = InodeFlags.names(a.flags());
        out.printf(" Flags: 0x%08x%s%n", a.flags(), flags.isEmpty() ? "" : " (" + String.join(", ", flags) + ")");
        out.printf("Generation: %d%n", a.generation() & 0xFFFFFFFFL);
        List<String> names = fs.listxattr(a.ino());
        if (names.isEmpty()) {
            out.println("Xattrs: none");
            return;
        }
        out.println("Xattrs:");
        for (String xname : names) {
            out.println("  " + xname + " = " + XattrText.render(xname, fs.getxattr(a.ino(), xname)));
        }
    }

    /** stat(1)'s timestamp: local date and time, nine digits of nanoseconds, numeric zone. */
    static String time(Timestamp t) {
        Instant i = Instant.ofEpochSecond(t.seconds(), t.nanos());
        return TIME.format(i) + String.format(".%09d ", t.nanos()) + ZONE.format(i);
    }
}
