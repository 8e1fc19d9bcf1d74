package org.ext4j.dist;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.ext4j.core.backend.Availability;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.Backends;
import org.ext4j.core.host.HostOs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ext4j backends}: the backends this build has, whether each can mount here, and why not. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        header = "List the mount backends of this ext4j and whether each can run here.",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Prints one line per backend this build contains: its name (what ext4j mount --backend takes), "
                + "whether it can mount on this system, the systems it serves, the library or device it uses "
                + "(or looked for, and where) and the version found, and why it cannot run, with what to install. "
                + "The last line names the backend --backend auto picks here. Backends are found through "
                + "META-INF/services/org.ext4j.core.backend.Backend; a backend not built yet is not listed."},
        exitCodeList = {ManPage.EXIT_OK},
        footer = {"  ext4j backends", "  ext4j mount --backend linux disk.img /mnt/disk"})
public final class BackendsCommand implements Callable<Integer> {
    static final List<String> HEADINGS = List.of("NAME", "AVAILABLE", "SERVES", "LIBRARY", "VERSION", "WHY NOT");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Backends backends = Backends.discover();
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADINGS);
        for (Backend b : backends.all()) {
            rows.add(row(b, b.availability()));
        }
        PrintWriter out = spec.commandLine().getOut();
        printTable(out, rows);
        HostOs os = HostOs.current();
        Optional<Backend> auto = backends.auto(os);
        out.println("auto on " + os.displayName() + ": " + (auto.isPresent() ? auto.get().name()
                : Backends.preferredName(os) + ", which this build does not have"));
        out.flush();
        return 0;
    }

    private static List<String> row(Backend b, Availability a) {
        String serves = b.servesOn().stream().sorted().map(HostOs::displayName).collect(Collectors.joining(", "));
        return List.of(b.name(), a.available() ? "yes" : "no", serves, a.library(),
                a.version() == null ? "-" : a.version(), a.available() ? "-" : a.whyNot());
    }

    /** Columns padded to their widest cell; the last one is not padded. */
    static void printTable(PrintWriter out, List<List<String>> rows) {
        int columns = rows.get(0).size();
        int[] width = new int[columns];
        for (List<String> r : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        }
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(c == columns - 1 ? r.get(c) : String.format("%-" + (width[c] + 2) + "s", r.get(c)));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
