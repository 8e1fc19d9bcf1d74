package org.ext4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.ext4j.core.spi.CorruptionException;

/** Assertions on where a {@link CorruptionException} says the damage is: its fields, not its text. */
public final class Damage {
    private Damage() {
    }

    /** {@code e} names {@code structure} of inode {@code ino} in block {@code block} (NO_INODE / NO_BLOCK for none). */
    public static void assertDamage(CorruptionException e, CorruptionException.Structure structure, long ino, long block) {
        String seen = e.structure() + ", inode " + e.ino() + ", block " + e.block() + ": " + e.getMessage();
        assertEquals(structure, e.structure(), seen);
        assertEquals(ino, e.ino(), seen);
        assertEquals(block, e.block(), seen);
    }

    /** {@code e} names {@code structure} of inode {@code ino}, in whatever block. */
    public static void assertDamage(CorruptionException e, CorruptionException.Structure structure, long ino) {
        String seen = e.structure() + ", inode " + e.ino() + ", block " + e.block() + ": " + e.getMessage();
        assertEquals(structure, e.structure(), seen);
        assertEquals(ino, e.ino(), seen);
    }

    /** {@code e} names {@code structure}, of whatever inode and block. */
    public static void assertDamage(CorruptionException e, CorruptionException.Structure structure) {
        assertEquals(structure, e.structure(), e.structure() + ", inode " + e.ino() + ", block " + e.block() + ": " + e.getMessage());
    }
}
