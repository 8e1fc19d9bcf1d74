package org.ext4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

// Compiles C expressions (offsetof, sizeof, constants) against a header and reads their values back from the compilers: the ABI golden tests' oracle.
/**
 * A probe of a C header: the facts (each a C expression with its name) are compiled as one
 * array of numbers, for x86_64 with the system compiler (run, so it can print more) and for arm64
 * (aarch64) with the cross compiler, whose assembly output is read; so the numbers come from the
 * compilers, not from this project.
 */
public final class CProbe {
    private final Path includeDir;
    private final String header;
    private final List<String[]> facts = new ArrayList<>();
    private final StringBuilder extraStatements = new StringBuilder();
    private final List<String> extraNames = new ArrayList<>();

    /** A probe of {@code header} (as #include "header" finds it) in {@code includeDir}. */
    public CProbe(Path includeDir, String header) {
        this.includeDir = includeDir;
        this.header = header;
    }

    /** The size of {@code struct name} ("sizeof.NAME"), and each member's offset ("NAME.MEMBER") and size ("size.NAME.MEMBER"). */
    public CProbe struct(String name, String... members) {
        fact("sizeof." + name, "sizeof(struct " + name + ")");
        for (String m : members) {
            fact(name + "." + m, "offsetof(struct " + name + ", " + m + ")");
            fact("size." + name + "." + m, "sizeof(((struct " + name + " *) 0)->" + m + ")");
        }
        return this;
    }

    /** Each expression as "const.EXPRESSION", cast to long. */
    public CProbe constants(List<String> expressions) {
        for (String c : expressions) {
            fact("const." + c, "(long) (" + c + ")");
        }
        return this;
    }

    /** The value of the constant expression {@code expression} under {@code name}. */
    public CProbe fact(String name, String expression) {
        facts.add(new String[] {name, expression});
        return this;
    }

    /**
     * C statements that print one more number per line after the facts, named {@code names} in
     * order: on x86_64 only, for what a constant expression cannot say (how a bit-field lies in its word).
     */
    public CProbe printing(String statements, String... names) {
        extraStatements.append(statements);
        extraNames.addAll(List.of(names));
        return this;
    }

    /** The facts as the x86_64 compiler lays them out, with the {@link #printing} values. */
    public Map<String, Long> x86_64(Path dir) throws Exception {
        Tools.require("cc");
        Path src = dir.resolve("probe.c");
        Files.writeString(src, source(true));
        Path bin = dir.resolve("probe");
        Tools.Result cc = Tools.run(List.of("cc", "-I" + includeDir, "-o", bin.toString(), src.toString()));
        assertEquals(0, cc.exitCode(), () -> "the probe does not compile:\n" + cc.stderr());
        String[] lines = Tools.runOk(List.of(bin.toString())).stdout().trim().split("\n");
        assertEquals(facts.size() + extraNames.size(), lines.length, "one line per fact from " + bin);
        Map<String, Long> m = byName(lines);
        for (int i = 0; i < extraNames.size(); i++) {
            m.put(extraNames.get(i), Long.parseLong(lines[facts.size() + i].trim()));
        }
        return m;
    }

    /** The facts as the aarch64 cross compiler lays them out (its assembly's .xword list). */
    public Map<String, Long> aarch64(Path dir) throws Exception {
        assertTrue(Tools.available("aarch64-linux-gnu-gcc"),
                "the arm64 cross compiler is missing: apt-get install gcc-aarch64-linux-gnu (scripts/test.sh does)");
        Path src = dir.resolve("probe-arm64.c");
        Files.writeString(src, source(false));
        Path asm = dir.resolve("probe-arm64.s");
        Tools.Result cc = Tools.run(List.of("aarch64-linux-gnu-gcc", "-S", "-I" + includeDir, "-o", asm.toString(),
                src.toString()));
        assertEquals(0, cc.exitCode(), () -> "the arm64 probe does not compile:\n" + cc.stderr());
        List<String> values = new ArrayList<>();
        for (String line : Files.readAllLines(asm)) {
            String[] words = line.trim().split("\\s+");
            if (words.length == 2 && (words[0].equals(".xword") || words[0].equals(".8byte") || words[0].equals(".dword"))) {
                values.add(words[1]);
            }
        }
        assertEquals(facts.size(), values.size(), "one .xword per fact in " + asm);
        return byName(values.toArray(new String[0]));
    }

    private String source(boolean withMain) {
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <string.h>\n#include \"" + header + "\"\n");
        c.append("const long facts[] = {\n");
        for (String[] fact : facts) {
            c.append("    ").append(fact[1]).append(",\n");
        }
        c.append("};\n");
        if (withMain) {
            c.append("int main(void) {\n");
            c.append("    for (unsigned i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) printf(\"%ld\\n\", facts[i]);\n");
            c.append(extraStatements);
            c.append("    return 0;\n}\n");
        }
        return c.toString();
    }

    private Map<String, Long> byName(String[] values) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < facts.size(); i++) {
            m.put(facts.get(i)[0], Long.parseLong(values[i].trim()));
        }
        return m;
    }
}
