package org.ext4j.winfsp;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Where WinFsp is and which drive letters are taken: the host half of the Windows port, which a
 * test replaces to serve WinFsp's ABI through a stand-in library on Linux.
 *
 * @param libraries   WinFsp's DLL to try, in order (absolute paths)
 * @param installHint what to do when none loads
 * @param usedDrives  the drive letters in use now (upper case)
 */
public record WinFspHost(List<String> libraries, String installHint, Supplier<Set<Character>> usedDrives) {

    /** System property naming the DLL to load instead of looking for WinFsp's. */
    public static final String LIBRARY_PROPERTY = "ext4j.winfsp.library";
    /** Environment variable with the same meaning (the property wins). */
    public static final String LIBRARY_ENV = "EXT4J_WINFSP_LIBRARY";
    /** WinFsp's registry key (the installer is 32-bit, so on 64-bit Windows it writes below WOW6432Node). */
    public static final String REGISTRY_KEY = "HKLM\\SOFTWARE\\WOW6432Node\\WinFsp";
    public static final String INSTALL_HINT = "install WinFsp from https://winfsp.dev/rel/ (or: winget install WinFsp.WinFsp)";

    public WinFspHost {
        libraries = List.copyOf(libraries);
    }

    /**
     * This Windows machine: the DLL named by {@link #LIBRARY_PROPERTY} or {@link #LIBRARY_ENV}
     * first, then WinFsp's own for this architecture, found through the registry's InstallDir,
     * else under %ProgramFiles(x86)%\WinFsp; the drive letters from the file system roots.
     */
    public static WinFspHost windows() {
        List<String> libs = new ArrayList<>();
        String chosen = System.getProperty(LIBRARY_PROPERTY, System.getenv(LIBRARY_ENV));
        if (chosen != null && !chosen.isEmpty()) {
            libs.add(chosen);
        }
        // Elsewhere (ext4j backends asks every backend) there is no registry to ask.
        libs.addAll(dllCandidates(System.getProperty("os.arch", ""), isWindows() ? registryInstallDir() : Optional.empty(),
                System.getenv("ProgramFiles(x86)")));
        return new WinFspHost(libs, INSTALL_HINT, WinFspHost::rootLetters);
    }

    /**
     * WinFsp's DLL for {@code osArch}: winfsp-x64.dll on amd64, winfsp-a64.dll on aarch64, in the
     * bin directory of {@code installDir} (the registry's InstallDir) and of
     * {@code programFilesX86}\WinFsp, each when known.
     */
    static List<String> dllCandidates(String osArch, Optional<String> installDir, String programFilesX86) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        String dll = arch.equals("aarch64") || arch.equals("arm64") ? "winfsp-a64.dll" : "winfsp-x64.dll";
        List<String> out = new ArrayList<>();
        installDir.ifPresent(dir -> out.add(join(dir, "bin\\" + dll)));
        if (programFilesX86 != null && !programFilesX86.isEmpty()) {
            String fallback = join(programFilesX86, "WinFsp\\bin\\" + dll);
            if (!out.contains(fallback)) {
                out.add(fallback);
            }
        }
        return out;
    }

    private static String join(String dir, String rest) {
        return dir.endsWith("\\") ? dir + rest : dir + "\\" + rest;
    }

    /** The InstallDir value of {@link #REGISTRY_KEY}, from {@code reg query}, when it is there. */
    static Optional<String> registryInstallDir() {
        try {
            Process p = new ProcessBuilder("reg", "query", REGISTRY_KEY, "/v", "InstallDir").redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return parseRegQuery(out);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** InstallDir's value in the output of {@code reg query KEY /v InstallDir} ("    InstallDir    REG_SZ    C:\..."). */
    static Optional<String> parseRegQuery(String output) {
        for (String line : output.split("\r?\n")) {
            String t = line.strip();
            if (t.startsWith("InstallDir")) {
                int type = t.indexOf("REG_SZ");
                if (type > 0) {
                    String value = t.substring(type + "REG_SZ".length()).strip();
                    if (!value.isEmpty()) {
                        return Optional.of(value);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Set<Character> rootLetters() {
        Set<Character> used = new TreeSet<>();
        for (File root : File.listRoots()) {
            String r = root.getPath();
            if (r.length() >= 2 && r.charAt(1) == ':') {
                used.add(Character.toUpperCase(r.charAt(0)));
            }
        }
        return used;
    }

    /** True when this JVM runs on Windows. */
    public static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }
}
