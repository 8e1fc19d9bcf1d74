package org.ext4j.dist;

import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code ext4j} command: parses the command line, runs a subcommand, reports errors in one line. */
@Command(name = "ext4j", mixinStandardHelpOptions = true, version = "ext4j 0.1.0-SNAPSHOT",
        header = "Read and write ext4 filesystem images from user space.",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        optionListHeading = ManPage.OPTIONS, commandListHeading = ManPage.COMMANDS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "ext4j reads ext4 (and ext2/ext3) filesystem images without the kernel's driver: nothing "
                + "is mounted, and a damaged or hostile image gives an error message, never a crash. Files "
                + "inside an image are named scp-style, IMAGE:PATH (disk.img:/etc/hostname). The reading "
                + "commands open images read-only (a dirty journal is replayed in memory only); cp into an "
                + "image, mkdir, rm, mv and ln open them for writing. Run 'ext4j COMMAND --help' for the "
                + "manual of one command."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {
            "  ext4j demo                          build a sample image and tour it",
            "  ext4j info disk.img                 superblock summary, like dumpe2fs -h",
            "  ext4j ls -l disk.img:/etc           list a directory",
            "  ext4j cat disk.img:/etc/hostname    print a file",
            "  ext4j cp -r -p disk.img:/home ./    copy a tree out, keeping modes and times",
            "  ext4j cp -r -p ./site disk.img:/srv copy a tree in"},
        subcommands = {InfoCommand.class, LsCommand.class, CatCommand.class, StatCommand.class, CpCommand.class,
            MkdirCommand.class, RmCommand.class, MvCommand.class, LnCommand.class,
            DemoCommand.class, MountCommand.class, UmountCommand.class, BackendsCommand.class,
            MountHelperCommand.class})
public final class Main implements Callable<Integer> {
    /** Exit status of a command whose operand failed. */
    public static final int EXIT_FAILURE = 1;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "On an error, also print the Java stack trace (for bug reports).")
    boolean debug;

    @Spec
    CommandSpec spec;

    private final OutputStream binaryOut;
    private final boolean stderrIsTerminal;

    Main(OutputStream binaryOut, boolean stderrIsTerminal) {
        this.binaryOut = binaryOut;
        this.stderrIsTerminal = stderrIsTerminal;
    }

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        PrintStream out = System.out;
        int status = execute(args, out, System.err, System.console() != null);
        out.flush();
        System.exit(status);
    }

    /**
     * Runs {@code args} with the given output streams and returns the exit status (what tests
     * call). {@code stderrIsTerminal} allows progress bars.
     */
    public static int execute(String[] args, OutputStream stdout, OutputStream stderr, boolean stderrIsTerminal) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8), true);
        Main main = new Main(stdout, stderrIsTerminal);
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, failed, parseResult) -> main.report(failed, e));
        cl.setParameterExceptionHandler(Main::usageError);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing COMMAND (try one of: demo, info, ls, cat, stat, cp, mkdir, rm, mv, ln)");
    }

    /** The raw standard output, for commands that write file bytes (flush the text writer first). */
    OutputStream binaryOut() {
        return binaryOut;
    }

    boolean stderrIsTerminal() {
        return stderrIsTerminal;
    }

    boolean debug() {
        return debug;
    }

    /**
     * Prints {@code e} as one line {@code ext4j: CMD: WHAT: WHY} on the command's stderr (and
     * its stack trace with --debug); returns the failure exit status.
     */
    int report(CommandLine command, Throwable e) {
        PrintWriter err = command.getErr();
        String name = command.getCommandName();
        String prefix = command == spec.commandLine() ? "ext4j: " : "ext4j: " + name + ": ";
        if (e instanceof CommandFailure f) {
            err.println(prefix + f.what() + ": " + f.why());
        } else {
            err.println(prefix + CommandFailure.explain("IMAGE", e));
        }
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        String path = command.getCommandSpec().qualifiedName(" ");
        String prefix = path.equals("ext4j") ? "ext4j: " : "ext4j: " + command.getCommandName() + ": ";
        err.println(prefix + e.getMessage());
        err.println("Try '" + path + " --help' for more information.");
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }
}
