package org.ext4j.winfsp.names;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The name mapping both ways: ext4 names Windows cannot hold are shown with WinFsp's U+F0xx
 * escape and come back as the same bytes; every Windows spelling that is shown names exactly one
 * ext4 name; spellings that are not shown are refused.
 */
class WindowsNamesTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    private static String shown(byte[] name) {
        return new String(WindowsNames.toWindows(name), StandardCharsets.UTF_8);
    }

    @Test
    void namesWindowsCanHoldAreShownAsTheyAre() {
        for (String n : new String[] {"hello.txt", "été", "a:b*c?", "日本語", "😀 smile", "..dots", " lead", "a.b", ".", ".."}) {
            assertEquals(n, shown(b(n)), n);
            assertArrayEquals(b(n), WindowsNames.fromWindows(b(n)), n);
        }
    }

    @Test
    void aTrailingDotOrSpaceIsEscaped() {
        assertEquals("notes\uF02E", shown(b("notes.")));
        assertEquals("a. \uF020", shown(b("a.  ")));
        assertEquals("..\uF02E", shown(b("...")));
        assertArrayEquals(b("notes."), WindowsNames.fromWindows(b("notes\uF02E")));
        assertArrayEquals(b("notes."), WindowsNames.fromWindows(b("notes.")), "a raw trailing dot (\\\\?\\ paths)");
    }

    @Test
    void bytesThatAreNotUtf8AreEscapedOneByOne() {
        assertEquals("\uF0FF\uF0FEx", shown(hex("fffe78")));
        assertEquals("caf\uF0E9", shown(hex("636166e9")), "Latin-1 é");
        assertEquals("\uF0C3(", shown(hex("c328")), "a truncated sequence");
        assertEquals("\uF0ED\uF0A0\uF080", shown(hex("eda080")), "an encoded surrogate is not UTF-8");
        assertEquals("\uF0C0\uF080", shown(hex("c080")), "an overlong NUL");
        assertArrayEquals(hex("fffe78"), WindowsNames.fromWindows(b("\uF0FF\uF0FEx")));
    }

    @Test
    void aStoredPrivateUseCharacterIsShownAsItsBytes() {
        assertEquals("\uF0EF\uF080\uF0BA", shown(b("\uF03A")));
        assertArrayEquals(b("\uF03A"), WindowsNames.fromWindows(b("\uF0EF\uF080\uF0BA")));
        assertEquals("\uE000", shown(b("\uE000")), "other private-use characters are left alone");
    }

    @Test
    void spellingsThatAreNotShownAreRefused() {
        assertNull(WindowsNames.fromWindows(b("x\uF02Ey")), "a dot escaped where it is not last");
        assertNull(WindowsNames.fromWindows(b("\uF041")), "an escaped letter");
        assertNull(WindowsNames.fromWindows(b("\uF0C3\uF0A9")), "valid UTF-8 (é) escaped");
        assertNull(WindowsNames.fromWindows(b("a\uF0FF.")), "a raw trailing dot beside an escape");
    }

    @Test
    void everyNameComesBackAsItsBytesAndNoTwoNamesShareASpelling() {
        Random random = new Random(20261207);
        Map<String, String> seen = new HashMap<>();
        byte[] interesting = {'.', ' ', ':', 'a', (byte) 0xEF, (byte) 0x80, (byte) 0xAE, (byte) 0xC3, (byte) 0xA9,
                (byte) 0xFF, (byte) 0xF0, (byte) 0x9F};
        for (int i = 0; i < 20000; i++) {
            byte[] name = new byte[1 + random.nextInt(12)];
            for (int k = 0; k < name.length; k++) {
                name[k] = random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : (byte) random.nextInt(256);
            }
            if (name[0] == 0 || new String(name, StandardCharsets.ISO_8859_1).contains("/")
                    || new String(name, StandardCharsets.ISO_8859_1).contains("\0")) {
                continue;
            }
            byte[] windows = WindowsNames.toWindows(name);
            assertArrayEquals(name, WindowsNames.fromWindows(windows), () -> HexFormat.of().formatHex(name));
            String utf8 = new String(windows, StandardCharsets.UTF_8);
            assertArrayEquals(windows, utf8.getBytes(StandardCharsets.UTF_8), "what Windows gets is UTF-8");
            char last = utf8.charAt(utf8.length() - 1);
            if (name.length > 2 || !(name[0] == '.' && (name.length == 1 || name[1] == '.'))) {
                assertEquals(false, last == '.' || last == ' ', "no trailing dot or space: " + utf8);
            }
            String key = HexFormat.of().formatHex(windows);
            String before = seen.putIfAbsent(key, HexFormat.of().formatHex(name));
            if (before != null) {
                assertEquals(before, HexFormat.of().formatHex(name), "two names shown alike: " + utf8);
            }
        }
    }

    @Test
    void aLongNameOfBytesFitsWindowsLimitOf255Characters() {
        byte[] name = new byte[255];
        java.util.Arrays.fill(name, (byte) 0xFF);
        String windows = shown(name);
        assertEquals(255, windows.length(), "one UTF-16 unit per byte");
        assertEquals(765, WindowsNames.toWindows(name).length, "three UTF-8 bytes each for WinFsp");
    }

    @Test
    void symlinkTargetsAreMappedNameByName() {
        assertEquals("../dir\uF02E/caf\uF0E9/./x", new String(WindowsNames.targetToWindows(hex("2e2e2f6469722e2f636166e92f2e2f78")),
                StandardCharsets.UTF_8));
        assertArrayEquals(hex("2e2e2f6469722e2f636166e92f2e2f78"), WindowsNames.targetFromWindows(b("../dir\uF02E/caf\uF0E9/./x")));
        assertEquals("/abs/a:b", new String(WindowsNames.targetToWindows(b("/abs/a:b")), StandardCharsets.UTF_8));
        assertNull(WindowsNames.targetFromWindows(b("a/x\uF02Ey/b")));
    }
}
