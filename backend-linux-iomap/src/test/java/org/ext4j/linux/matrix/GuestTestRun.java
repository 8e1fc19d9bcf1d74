package org.ext4j.linux.matrix;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

// The test run inside a kernel-matrix guest (scripts/kernel-matrix.sh): JUnit without Maven, from a plain java -cp, with a result file the host reads back.
/**
 * Runs the test classes found under the given class-path roots whose names match an
 * {@code --include} pattern and no {@code --exclude} pattern, prints each result as it comes, and
 * writes a machine-readable account to {@code --result FILE}:
 *
 * <pre>
 * class NAME tests=N passed=P failed=F skipped=S seconds=T
 * failed NAME[#METHOD] FIRST LINE OF THE THROWABLE
 * skipped NAME[#METHOD] REASON
 * summary classes=C tests=N passed=P failed=F skipped=S seconds=T
 * </pre>
 *
 * <p>The exit status is 0 only when at least one test ran, none failed and none was skipped: a
 * guest provides root, /dev/fuse and every tool the tests use, so a test that skips itself there
 * shows a broken guest, not a missing feature. Features a kernel lacks are left out by the caller
 * with {@code --exclude}, which the script reports.
 *
 * <pre>
 * java -cp CLASSPATH org.ext4j.linux.matrix.GuestTestRun --include 'org\.ext4j\.linux\..*IT' \
 *     [--exclude REGEX]... [--result FILE] TEST-CLASSES-DIR...
 * </pre>
 */
public final class GuestTestRun {
    private GuestTestRun() {
    }

    public static void main(String[] args) throws IOException {
        List<String> includes = new ArrayList<>();
        List<String> excludes = new ArrayList<>();
        Path result = null;
        Set<Path> roots = new LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--include":
                    includes.add(value(args, ++i));
                    break;
                case "--exclude":
                    excludes.add(value(args, ++i));
                    break;
                case "--result":
                    result = Path.of(value(args, ++i));
                    break;
                default:
                    if (args[i].startsWith("-")) {
                        usage("unknown option " + args[i]);
                    }
                    roots.add(Path.of(args[i]));
            }
        }
        if (includes.isEmpty() || roots.isEmpty()) {
            usage("at least one --include pattern and one class-path root are needed");
        }
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                usage(root + " is not a directory of test classes");
            }
        }

        LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClasspathRoots(roots))
                .filters(ClassNameFilter.includeClassNamePatterns(includes.toArray(String[]::new)));
        if (!excludes.isEmpty()) {
            builder.filters(ClassNameFilter.excludeClassNamePatterns(excludes.toArray(String[]::new)));
        }
        LauncherDiscoveryRequest request = builder.build();
        Launcher launcher = LauncherFactory.create();
        Recorder recorder = new Recorder(System.out);
        long start = System.nanoTime();
        launcher.execute(request, recorder);
        double seconds = (System.nanoTime() - start) / 1e9;

        String account = recorder.account(seconds);
        System.out.print(account);
        if (result != null) {
            Files.writeString(result, account, StandardCharsets.UTF_8);
        }
        System.exit(recorder.tests() > 0 && recorder.failed() == 0 && recorder.skipped() == 0 ? 0 : 1);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("GuestTestRun: " + problem);
        System.err.println("usage: GuestTestRun --include REGEX [--exclude REGEX]... [--result FILE] TEST-CLASSES-DIR...");
        System.exit(2);
    }

    /** Counts per test class, the failures and skips with their reasons, progress lines on the way. */
    private static final class Recorder implements TestExecutionListener {
        private final PrintStream progress;
        private final Map<String, ClassCounts> classes = new LinkedHashMap<>();
        private final List<String> problems = new ArrayList<>();
        private final Map<String, Long> started = new LinkedHashMap<>();

        Recorder(PrintStream progress) {
            this.progress = progress;
        }

        @Override
        public void executionStarted(TestIdentifier id) {
            started.put(id.getUniqueId(), System.nanoTime());
            className(id).filter(name -> isClass(id)).ifPresent(name -> {
                progress.println("[matrix] start " + name);
                counts(name);
            });
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            Optional<String> name = className(id);
            if (name.isEmpty()) {
                return;
            }
            ClassCounts counts = counts(name.get());
            counts.tests++;
            counts.skipped++;
            String line = "skipped " + label(id) + " " + firstLine(reason);
            problems.add(line);
            progress.println("[matrix] " + line);
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            Optional<String> name = className(id);
            if (name.isEmpty()) {
                return;
            }
            ClassCounts counts = counts(name.get());
            double seconds = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1e9;
            if (isClass(id)) {
                counts.seconds = seconds;
            }
            if (id.isTest()) {
                counts.tests++;
            }
            boolean failedHere = result.getStatus() != TestExecutionResult.Status.SUCCESSFUL;
            if (failedHere) {
                // A class whose @BeforeAll threw fails as a container; its tests never report.
                counts.failed++;
                String why = result.getThrowable().map(t -> t.getClass().getName() + ": " + firstLine(String.valueOf(t.getMessage())))
                        .orElse(result.getStatus().toString());
                String line = "failed " + label(id) + " " + why;
                problems.add(line);
                progress.println("[matrix] " + line);
                result.getThrowable().ifPresent(t -> t.printStackTrace(progress));
            } else if (id.isTest()) {
                counts.passed++;
                progress.printf("[matrix] passed %s (%.1f s)%n", label(id), seconds);
            }
        }

        String account(double seconds) {
            StringBuilder out = new StringBuilder();
            for (Map.Entry<String, ClassCounts> e : classes.entrySet()) {
                ClassCounts c = e.getValue();
                out.append(String.format("class %s tests=%d passed=%d failed=%d skipped=%d seconds=%.1f%n",
                        e.getKey(), c.tests, c.passed, c.failed, c.skipped, c.seconds));
            }
            problems.forEach(line -> out.append(line).append('\n'));
            out.append(String.format("summary classes=%d tests=%d passed=%d failed=%d skipped=%d seconds=%.1f%n",
                    classes.size(), tests(), passed(), failed(), skipped(), seconds));
            return out.toString();
        }

        int tests() {
            return classes.values().stream().mapToInt(c -> c.tests).sum();
        }

        int passed() {
            return classes.values().stream().mapToInt(c -> c.passed).sum();
        }

        int failed() {
            return classes.values().stream().mapToInt(c -> c.failed).sum();
        }

        int skipped() {
            return classes.values().stream().mapToInt(c -> c.skipped).sum();
        }

        @Override
        public void testPlanExecutionStarted(TestPlan plan) {
            progress.println("[matrix] " + plan.countTestIdentifiers(TestIdentifier::isTest) + " tests found");
        }

        private ClassCounts counts(String className) {
            return classes.computeIfAbsent(className, k -> new ClassCounts());
        }

        private static boolean isClass(TestIdentifier id) {
            return id.getSource().filter(ClassSource.class::isInstance).isPresent();
        }

        private static Optional<String> className(TestIdentifier id) {
            Optional<TestSource> source = id.getSource();
            if (source.isEmpty()) {
                return Optional.empty();
            }
            if (source.get() instanceof ClassSource) {
                return Optional.of(((ClassSource) source.get()).getClassName());
            }
            if (source.get() instanceof MethodSource) {
                return Optional.of(((MethodSource) source.get()).getClassName());
            }
            return Optional.empty();
        }

        private static String label(TestIdentifier id) {
            TestSource source = id.getSource().orElseThrow();
            if (source instanceof MethodSource) {
                MethodSource method = (MethodSource) source;
                return method.getClassName() + "#" + method.getMethodName();
            }
            return ((ClassSource) source).getClassName();
        }

        private static String firstLine(String text) {
            if (text == null) {
                return "";
            }
            int nl = text.indexOf('\n');
            return nl < 0 ? text : text.substring(0, nl);
        }
    }

    /** What one test class did. */
    private static final class ClassCounts {
        int tests;
        int passed;
        int failed;
        int skipped;
        double seconds;
    }
}
