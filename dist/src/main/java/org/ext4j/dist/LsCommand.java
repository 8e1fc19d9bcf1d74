package org.ext4j.dist;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.InodeFileSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j ls}: lists directories inside an image, like ls(1). */
@Command(name = "ls", mixinStandardHelpOptions = true, sortOptions = false,
        header = "List directory contents inside an ext4 image (like ls).",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "For each operand that is a directory, lists its entries sorted by the bytes of their "
                + "names; for any other file, prints that file alone. A symbolic link operand is shown "
                + "itself, not followed (ls -d style for links). Names starting with '.' are hidden unless "
                + "-a is given.",
            "",
            "The long format shows: mode (with s/S/t/T for setuid, setgid and sticky bits), link "
                + "count, numeric uid and gid (the image's owners are not this machine's users), size (or "
                + "'major, minor' for devices), modification time (local time, yyyy-MM-dd HH:mm), name, and "
                + "'-> target' for symbolic links. 'total' counts allocated KiB.",
            "",
            "Names and link targets are bytes in an image, printed as ls -b prints them (spaces "
                + "excepted): control characters as \\t, \\n and the like or \\ooo octal, as are bytes "
                + "that are not UTF-8 and a '/' inside a name (which only a damaged directory holds), and a "
                + "backslash as \\\\, so that each name is one unambiguous line. -R walks trees of any depth."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {"  ext4j ls disk.img                  the root directory",
            "  ext4j ls -la disk.img:/etc",
            "  ext4j ls -lR disk.img:/home/alice   the whole subtree"})
public final class LsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneId.systemDefault());

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "-l", description = "Long format: mode, links, uid, gid, size, time, name.")
    boolean longFormat;

    @Option(names = "-a", description = "Show all entries, including '.', '..' and names starting with '.'.")
    boolean all;

    @Option(names = "-R", description = "List subdirectories recursively, each under a 'PATH:' header.")
    boolean recursive;

    @Parameters(arity = "1..*", paramLabel = "IMAGE[:PATH]",
            description = "An image, or a path inside it (IMAGE:/dir). Without ':' the root is listed.")
    List<String> operands;

    private PrintWriter out;
    private boolean failed;
    private boolean printedSomething;

    /** One line of the listing: the name and what lstat says about it. */
    private record Item(String name, Attributes attributes, String linkTarget) {
    }

    /** A directory -R still has to list: its path as printed, and its inode. */
    private record Subdirectory(String path, Attributes attributes) {
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        boolean headers = recursive || operands.size() > 1;
        for (String operand : operands) {
            ImagePath target;
            try {
                target = ImagePath.parse(operand);
            } catch (IllegalArgumentException e) {
                fail(new CommandFailure(operand, e.getMessage()));
                continue;
            }
            try (PosixFileSystem volume = ImageOpener.open(target.image())) {
                listOperand(volume, target, headers);
            } catch (CommandFailure f) {
                fail(f);
            } catch (RuntimeException e) {
                fail(CommandFailure.of(target.toString(), target.image().toString(), e));
            }
        }
        out.flush();
        return failed ? Main.EXIT_FAILURE : 0;
    }

    private void listOperand(InodeFileSystem fs, ImagePath target, boolean headers) {
        Attributes attrs = new PathWalker(fs, Caller.ROOT).resolve(target.path(), false);
        if (attrs.type() != FileType.DIRECTORY) {
            printItems(List.of(item(fs, target.path(), attrs)), false);
            return;
        }
        // Directories still to list, next on top: a stack on the heap, so a tree's depth is
        // bounded by the filesystem, not by the Java stack. Subdirectories go on in reverse, so
        // the order is ls -R's: a directory, then each subdirectory's whole tree in name order.
        Set<Long> visited = new HashSet<>();
        Deque<Subdirectory> pending = new ArrayDeque<>();
        List<Subdirectory> subdirs = listDirectory(fs, target, target.path(), attrs, headers, visited);
        while (true) {
            for (int i = subdirs.size() - 1; i >= 0; i--) {
                pending.push(subdirs.get(i));
            }
            if (pending.isEmpty()) {
                return;
            }
            Subdirectory sub = pending.pop();
            subdirs = List.of();
            try {
                subdirs = listDirectory(fs, target, sub.path(), sub.attributes(), true, visited);
            } catch (CommandFailure f) {
                fail(f);
            } catch (RuntimeException ex) {
                fail(CommandFailure.of(target.image() + ":" + sub.path(), target.image().toString(), ex));
            }
        }
    }

    /** Prints directory {@code dir} (at {@code path}) and returns its subdirectories when -R asks for them. */
    private List<Subdirectory> listDirectory(InodeFileSystem fs, ImagePath target, String path, Attributes dir, boolean header,
            Set<Long> visited) {
        // Directories cannot be hard-linked, so meeting one twice means the image loops.
        if (!visited.add(dir.ino())) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, dir.ino(), CorruptionException.NO_BLOCK,
                    "directory inode " + dir.ino() + " appears twice in the tree at " + path);
        }
        if (header) {
            if (printedSomething) {
                out.println();
            }
            out.println(target.image() + ":" + path + ":");
        }
        printedSomething = true;
        List<Item> items = new ArrayList<>();
        List<Subdirectory> subdirs = new ArrayList<>();
        for (DirectoryEntry e : DirectoryListing.read(fs, dir.ino())) {
            String name = NameText.name(e.name());
            boolean dots = DirectoryListing.isDotOrDotDot(e);
            if (!all && e.name().length > 0 && e.name()[0] == '.') {
                continue;
            }
            Item item;
            try {
                item = item(fs, name, fs.getattr(e.ino()));
            } catch (RuntimeException ex) {
                fail(CommandFailure.of(target.image() + ":" + join(path, name), target.image().toString(), ex));
                continue;
            }
            items.add(item);
            if (recursive && !dots && item.attributes().type() == FileType.DIRECTORY) {
                subdirs.add(new Subdirectory(join(path, name), item.attributes()));
            }
        }
        printItems(items, true);
        return subdirs;
    }

    private Item item(InodeFileSystem fs, String name, Attributes a) {
        String link = null;
        if (longFormat && a.type() == FileType.SYMLINK) {
            link = NameText.target(fs.readlink(a.ino()));
        }
        return new Item(name, a, link);
    }

    private void printItems(List<Item> items, boolean isDirectory) {
        printedSomething = true;
        if (!longFormat) {
            for (Item i : items) {
                out.println(i.name());
            }
            return;
        }
        int linksW = 1;
        int uidW = 1;
        int gidW = 1;
        int sizeW = 1;
        long totalKib = 0;
        for (Item i : items) {
            Attributes a = i.attributes();
            linksW = Math.max(linksW, Long.toString(a.nlink()).length());
            uidW = Math.max(uidW, Long.toString(a.uid()).length());
            gidW = Math.max(gidW, Long.toString(a.gid()).length());
            sizeW = Math.max(sizeW, sizeColumn(a).length());
            totalKib += (a.blocks512() + 1) / 2;
        }
        if (isDirectory) {
            out.println("total " + totalKib);
        }
        for (Item i : items) {
            Attributes a = i.attributes();
            StringBuilder b = new StringBuilder();
            b.append(ModeString.of(a.mode())).append(' ')
                    .append(pad(Long.toString(a.nlink()), linksW)).append(' ')
                    .append(pad(Long.toString(a.uid()), uidW)).append(' ')
                    .append(pad(Long.toString(a.gid()), gidW)).append(' ')
                    .append(pad(sizeColumn(a), sizeW)).append(' ')
                    .append(TIME.format(Instant.ofEpochSecond(a.mtime().seconds()))).append(' ')
                    .append(i.name());
            if (i.linkTarget() != null) {
                b.append(" -> ").append(i.linkTarget());
            }
            out.println(b);
        }
    }

    private static String sizeColumn(Attributes a) {
        if (a.type() == FileType.CHAR_DEVICE || a.type() == FileType.BLOCK_DEVICE) {
            return a.rdevMajor() + ", " + a.rdevMinor();
        }
        return Long.toString(a.size());
    }

    private static String pad(String s, int width) {
        StringBuilder b = new StringBuilder();
        for (int i = s.length(); i < width; i++) {
            b.append(' ');
        }
        return b.append(s).toString();
    }

    static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private void fail(CommandFailure f) {
        failed = true;
        out.flush();
        main.report(spec.commandLine(), f);
    }
}
