package org.ext4j.dist;

import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.ext4j.core.spi.CorruptionException;
import org.junit.jupiter.api.Test;

class NameTextTest {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void printableUtf8IsShownAsItIs() {
        assertEquals("with space.txt", NameText.name(utf8("with space.txt")));
        assertEquals("\u00fcn\u00efc\u00f6d\u00e9 \u6f22\u5b57 \ud83d\ude00", NameText.name(utf8("\u00fcn\u00efc\u00f6d\u00e9 \u6f22\u5b57 \ud83d\ude00")));
    }

    @Test
    void oddBytesBecomeOctalEscapesAsLsBPrintsThem() {
        // What GNU `ls -b` prints for these names (coreutils 9.1).
        assertEquals("a\\000b", NameText.name(bytes('a', 0, 'b')));
        assertEquals("tab\\tnl\\ncr\\rbell\\a\\033", NameText.name(utf8("tab\tnl\ncr\rbell\u0007\u001b")));
        assertEquals("del\\177", NameText.name(bytes('d', 'e', 'l', 0x7f)));
        assertEquals("back\\\\slash", NameText.name(utf8("back\\slash")));
        assertEquals("latin1-\\351t\\351", NameText.name(bytes('l', 'a', 't', 'i', 'n', '1', '-', 0xe9, 't', 0xe9)));
        // A cut-off sequence: each byte escaped, and the character after it still shown.
        assertEquals("\\342\\202x", NameText.name(bytes(0xe2, 0x82, 'x')));
        // An overlong '/' and a C1 control are not printable text either.
        assertEquals("\\300\\257", NameText.name(bytes(0xc0, 0xaf)));
        assertEquals("\\302\\205", NameText.name(bytes(0xc2, 0x85)));
    }

    @Test
    void aSlashIsEscapedInNamesOnly() {
        assertEquals("a\\057b", NameText.name(utf8("a/b")));
        assertEquals("../a/b", NameText.target(utf8("../a/b")));
        assertEquals("x\\000y", NameText.target(bytes('x', 0, 'y')));
    }

    @Test
    void hostChildRefusesWhatNoHostNameCanBe() {
        Path dir = Path.of("/tmp/d");
        assertEquals(dir.resolve("\u00fc"), NameText.hostChild(dir, utf8("\u00fc"), "img:/\u00fc"));
        assertThrows(CorruptionException.class, () -> NameText.hostChild(dir, utf8("a/b"), "img:/a\\057b"));
        assertThrows(CorruptionException.class, () -> NameText.hostChild(dir, bytes('a', 0), "img:/a\\000"));
        assertThrows(CorruptionException.class, () -> NameText.hostChild(dir, utf8(".."), "img:/.."));
        assertThrows(CorruptionException.class, () -> NameText.hostChild(dir, new byte[0], "img:/"));
        CommandFailure f = assertThrows(CommandFailure.class, () -> NameText.hostChild(dir, bytes('a', 0xff), "img:/a\\377"));
        assertEquals("img:/a\\377", f.what());
        assertTrue(f.why().startsWith("the name is not UTF-8"), f.why());
    }

    @Test
    void hostTargetRefusesNulEmptyAndNonUtf8Targets() {
        assertEquals(Path.of("../x"), NameText.hostTarget(utf8("../x"), "img:/l"));
        CorruptionException nul = assertThrows(CorruptionException.class, () -> NameText.hostTarget(bytes('a', 0, 'b'), "img:/l"));
        assertDamage(nul, CorruptionException.Structure.SYMLINK);
        // The message is what the user reads: the target escaped as ls -b would.
        assertTrue(nul.getMessage().contains("'a\\000b' holds a NUL byte at offset 1"), nul.getMessage());
        assertThrows(CorruptionException.class, () -> NameText.hostTarget(new byte[0], "img:/l"));
        assertThrows(CommandFailure.class, () -> NameText.hostTarget(bytes(0xff), "img:/l"));
    }
}
