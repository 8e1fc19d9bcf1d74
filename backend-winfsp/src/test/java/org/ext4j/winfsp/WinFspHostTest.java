package org.ext4j.winfsp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Where WinFsp's DLL is looked for: the registry's InstallDir, else Program Files (x86), for the JVM's architecture. */
class WinFspHostTest {
    @Test
    void theRegistrysInstallDirFirstThenProgramFiles() {
        assertEquals(List.of("D:\\Tools\\WinFsp\\bin\\winfsp-x64.dll", "C:\\Program Files (x86)\\WinFsp\\bin\\winfsp-x64.dll"),
                WinFspHost.dllCandidates("amd64", Optional.of("D:\\Tools\\WinFsp\\"), "C:\\Program Files (x86)"));
        assertEquals(List.of("C:\\Program Files (x86)\\WinFsp\\bin\\winfsp-a64.dll"),
                WinFspHost.dllCandidates("aarch64", Optional.of("C:\\Program Files (x86)\\WinFsp"),
                        "C:\\Program Files (x86)"), "the same place once");
        assertEquals(List.of(), WinFspHost.dllCandidates("amd64", Optional.empty(), null));
    }

    @Test
    void regQueryOutput() {
        String out = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\WinFsp\r\n"
                + "    InstallDir    REG_SZ    C:\\Program Files (x86)\\WinFsp\\\r\n\r\n";
        assertEquals(Optional.of("C:\\Program Files (x86)\\WinFsp\\"), WinFspHost.parseRegQuery(out));
        assertEquals(Optional.empty(), WinFspHost.parseRegQuery("ERROR: The system was unable to find the specified"
                + " registry key or value.\r\n"));
    }
}
