package org.ext4j.macfuse.names;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.junit.jupiter.api.Test;

/** What is stored for a name from macOS, and which other spellings find an entry. */
class UnicodeNamesTest {
    /** "café" with é as U+00E9 (NFC) and as e + U+0301 (NFD), as UTF-8 bytes written out. */
    private static final byte[] NFC = {'c', 'a', 'f', (byte) 0xC3, (byte) 0xA9};
    private static final byte[] NFD = {'c', 'a', 'f', 'e', (byte) 0xCC, (byte) 0x81};

    private final UnicodeNames names = new UnicodeNames(true);

    @Test
    void newNamesAreStoredComposed() {
        assertArrayEquals(NFC, names.forNewEntry(NFD));
        assertArrayEquals(NFC, names.forNewEntry(NFC));
    }

    @Test
    void eachSpellingLooksForTheOther() {
        List<byte[]> fromNfd = names.alternatives(NFD);
        assertEquals(1, fromNfd.size());
        assertArrayEquals(NFC, fromNfd.get(0));
        List<byte[]> fromNfc = names.alternatives(NFC);
        assertEquals(1, fromNfc.size());
        assertArrayEquals(NFD, fromNfc.get(0));
    }

    @Test
    void asciiAndBytesThatAreNotUtf8HaveNoOtherSpelling() {
        assertEquals(List.of(), names.alternatives("plain.txt".getBytes(StandardCharsets.US_ASCII)));
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xE9};
        assertEquals(List.of(), names.alternatives(latin1));
        assertArrayEquals(latin1, names.forNewEntry(latin1), "bytes stay bytes");
    }

    @Test
    void finderMetadataIsRefusedOnlyWhenAsked() {
        for (String n : List.of("._café", ".DS_Store", "._x")) {
            Ext4Exception e = assertThrows(Ext4Exception.class,
                    () -> names.forNewEntry(n.getBytes(StandardCharsets.UTF_8)));
            assertEquals(Errno.EPERM, e.errno());
        }
        for (String n : List.of("._", ".DS_Stor", "_x", ".x")) {
            assertArrayEquals(n.getBytes(StandardCharsets.UTF_8), names.forNewEntry(n.getBytes(StandardCharsets.UTF_8)), n);
        }
        byte[] dsStore = ".DS_Store".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(dsStore, new UnicodeNames(false).forNewEntry(dsStore), "appledouble lets them in");
    }
}
