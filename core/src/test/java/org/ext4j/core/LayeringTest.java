package org.ext4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.ext4j.core.view.DiskView;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps core's dependencies running one way: every class reference in core's main classes goes
 * to its own package or to a package of a lower layer (layers.txt beside this class), and no two
 * packages use each other, directly or round a loop. With no package loop there can be no circle
 * of files across packages either. The references are the JDK's jdeps's reading of the class
 * files (nested classes folded into their top-level class), so a fully qualified name or a
 * same-layer shortcut is caught as well as an import. Circles of classes inside one package (a
 * type and the classes it hands out) are allowed. The classes examined are those of
 * {@code -Dlayering.classes=DIR} when given (to show the test failing on an older build), else
 * the build's own.
 */
class LayeringTest {
    private static final String PREFIX = "org.ext4j.core.";
    private static final Pattern EDGE = Pattern.compile("^\\s+(org\\.ext4j\\.core\\.\\S+)\\s+->\\s+(org\\.ext4j\\.core\\.\\S+)\\s");

    private static Map<String, Integer> rank;
    /** Top-level class to the top-level classes it references in other packages. */
    private static Map<String, Set<String>> references;

    @BeforeAll
    static void readClasses() throws IOException, URISyntaxException {
        rank = readLayers();
        String dir = System.getProperty("layering.classes");
        Path classes = dir != null ? Path.of(dir)
                : Path.of(DiskView.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(classes.resolve("org/ext4j/core")), "no core classes under " + classes);
        references = jdepsReferences(classes);
    }

    @Test
    void everyPackageHasALayer() {
        Set<String> unplaced = new TreeSet<>();
        for (Map.Entry<String, Set<String>> e : references.entrySet()) {
            unplaced.add(packageOf(e.getKey()));
            e.getValue().forEach(to -> unplaced.add(packageOf(to)));
        }
        unplaced.removeAll(rank.keySet());
        assertEquals(Set.of(), unplaced, "packages missing from layers.txt (place each new package in a layer)");
    }

    @Test
    void noReferenceRunsUpTheLayers() {
        List<String> up = new ArrayList<>();
        references.forEach((from, tos) -> tos.forEach(to -> {
            if (rank.getOrDefault(packageOf(from), -1) < rank.getOrDefault(packageOf(to), -1)) {
                up.add(from.substring(PREFIX.length()) + " -> " + to.substring(PREFIX.length()));
            }
        }));
        assertEquals(List.of(), up, "references from a lower layer to a higher one (see layers.txt)");
    }

    @Test
    void noPackageLoop() {
        Map<String, Set<String>> packages = new TreeMap<>();
        references.forEach((from, tos) -> tos.forEach(to ->
                packages.computeIfAbsent(packageOf(from), k -> new TreeSet<>()).add(packageOf(to))));
        assertEquals(List.of(), loops(packages), "packages that use each other, directly or round a loop");
    }

    @Test
    void noCircleOfFilesAcrossPackages() {
        // Implied by noPackageLoop; checked on its own so that a failure names the files.
        assertEquals(List.of(), loops(new TreeMap<>(references)), "classes of different packages that use each other round a loop");
    }

    /** The strongly connected components of more than one node (Tarjan), each sorted. */
    static List<Set<String>> loops(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, out);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index, Map<String, Integer> low,
            Deque<String> stack, Set<String> onStack, List<Set<String>> out) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                out.add(component);
            }
        }
    }

    @Test
    void aLoopIsFound() {
        // The detector itself must see a loop, else noPackageLoop could pass vacuously.
        Map<String, Set<String>> graph = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        assertEquals(List.of(Set.of("a", "b", "c")), loops(new TreeMap<>(graph)));
    }

    private static Map<String, Integer> readLayers() throws IOException {
        Map<String, Integer> ranks = new HashMap<>();
        try (InputStream in = LayeringTest.class.getResourceAsStream("layers.txt")) {
            assertTrue(in != null, "layers.txt is missing beside LayeringTest");
            int layer = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String packages = line.replaceFirst("#.*", "").trim();
                if (packages.isEmpty()) {
                    continue;
                }
                for (String p : packages.split("\\s+")) {
                    assertTrue(ranks.put(p, layer) == null, "package " + p + " is in layers.txt twice");
                }
                layer++;
            }
        }
        return ranks;
    }

    private static Map<String, Set<String>> jdepsReferences(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new AssertionError("jdeps not found: run the tests on a full JDK 17 (apt-get install openjdk-17-jdk-headless)"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "-verbose:class", "-filter:none", classes.toString());
        assertEquals(0, rc, "jdeps failed: " + err.toString(StandardCharsets.UTF_8));
        Map<String, Set<String>> refs = new TreeMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String from = topLevel(m.group(1));
            String to = topLevel(m.group(2));
            if (!packageOf(from).equals(packageOf(to))) {
                refs.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
            }
        }
        assertTrue(refs.size() > 50, "jdeps reported too few references (" + refs.size() + "): is its output format different?");
        return refs;
    }

    private static String topLevel(String cls) {
        int dollar = cls.indexOf('$');
        return dollar < 0 ? cls : cls.substring(0, dollar);
    }

    /** The package below org.ext4j.core ("view", "tx"; "" for the root). */
    private static String packageOf(String cls) {
        String rest = cls.substring(PREFIX.length());
        int dot = rest.lastIndexOf('.');
        return dot < 0 ? "" : rest.substring(0, dot);
    }
}
