package org.ext4j.highlevel.path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which kernel inodes a change leaves stale, and that the kept paths follow renames. */
class StaleAttributesTest {
    private final List<String> invalidated = new ArrayList<>();
    private StaleAttributes stale;

    @BeforeEach
    void setUp() {
        stale = new StaleAttributes();
        stale.setInvalidator(path -> invalidated.add(new String(path, StandardCharsets.ISO_8859_1)));
    }

    private static byte[] p(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Attributes attrs(long ino, FileType type, long nlink) {
        Timestamp t = new Timestamp(0, 0);
        return new Attributes(ino, type, type == FileType.DIRECTORY ? 040755 : 0100644, nlink, 0, 0, 0, 0, 4096, t, t,
                t, t, 0, 0, 0, 0);
    }

    @Test
    void aChangeInvalidatesEveryOtherNameOfAHardLinkedFile() {
        stale.seen(p("/a"), attrs(12, FileType.REGULAR, 3));
        stale.seen(p("/d/b"), attrs(12, FileType.REGULAR, 3));
        stale.seen(p("/d/c"), attrs(12, FileType.REGULAR, 3));
        stale.changedExcept(12, p("/d/b"));
        invalidated.sort(null);
        assertEquals(List.of("/a", "/d/c"), invalidated);
    }

    @Test
    void singleNamesAndDirectoriesAreNeverKept() {
        stale.seen(p("/one"), attrs(13, FileType.REGULAR, 1));
        stale.seen(p("/dir"), attrs(14, FileType.DIRECTORY, 5));
        stale.changedExcept(13, null);
        stale.changedExcept(14, null);
        assertEquals(List.of(), invalidated);
        assertEquals(0, stale.size());
    }

    @Test
    void linkKeepsBothNamesAndUnlinkInvalidatesTheRest() {
        stale.linked(p("/f"), p("/g"), 20);
        stale.changedExcept(20, p("/g"));
        assertEquals(List.of("/f"), invalidated);
        invalidated.clear();
        stale.removed(p("/g"));
        assertEquals(List.of("/f"), invalidated, "the remaining name's link count changed");
        assertEquals(1, stale.size());
    }

    @Test
    void aRenamedDirectoryCarriesTheKeptPathsBelowIt() {
        stale.linked(p("/x/f"), p("/y"), 30);
        stale.renamed(p("/x"), p("/z"));
        invalidated.clear();
        stale.changedExcept(30, p("/y"));
        assertEquals(List.of("/z/f"), invalidated);
        stale.renamed(p("/xy"), p("/w"));
        invalidated.clear();
        stale.changedExcept(30, p("/y"));
        assertEquals(List.of("/z/f"), invalidated, "/xy is not below /x");
    }

    @Test
    void renameOverAKeptNameDropsItAndRefreshesItsOtherNames() {
        stale.linked(p("/t"), p("/u"), 40);
        stale.removed(p("/t"));
        stale.renamed(p("/s"), p("/t"));
        assertEquals(List.of("/u"), invalidated);
        assertEquals(1, stale.size());
    }

    @Test
    void exchangeSwapsTheKeptPaths() {
        stale.linked(p("/a/f"), p("/k1"), 50);
        stale.linked(p("/b/g"), p("/k2"), 51);
        stale.exchanged(p("/a"), p("/b"));
        invalidated.clear();
        stale.changedExcept(50, p("/k1"));
        stale.changedExcept(51, p("/k2"));
        assertEquals(List.of("/b/f", "/a/g"), invalidated);
    }

    @Test
    void movedPathsFollowOnlyTheirOwnPrefix() {
        assertArrayEquals(p("/new/f"), StaleAttributes.moved(p("/old/f"), p("/old"), p("/new")));
        assertArrayEquals(p("/new"), StaleAttributes.moved(p("/old"), p("/old"), p("/new")));
        assertNull(StaleAttributes.moved(p("/older/f"), p("/old"), p("/new")));
        assertNull(StaleAttributes.moved(p("/ol"), p("/old"), p("/new")));
    }
}
