package org.ext4j.highlevel.path;

import java.util.List;

/**
 * How names that arrive from the host relate to the bytes stored in ext4 directories. ext4
 * stores bytes; on Linux the host hands over exactly the bytes a program used, so {@link #EXACT}
 * applies. A host that rewrites names (macOS hands a FUSE server Unicode in its decomposed form,
 * whatever the program typed) needs other spellings tried when the given one is not found, and
 * decides what a new entry is stored as.
 */
public interface NamePolicy {
    /** Names are bytes, looked up and stored as given. */
    NamePolicy EXACT = new NamePolicy() {
        @Override
        public List<byte[]> alternatives(byte[] name) {
            return List.of();
        }

        @Override
        public byte[] forNewEntry(byte[] name) {
            return name;
        }
    };

    /**
     * Other spellings of {@code name} that name the same entry, tried in order when no entry is
     * stored under {@code name} itself; empty when there are none (the common, cheap case).
     */
    List<byte[]> alternatives(byte[] name);

    /**
     * The bytes a new entry asked for as {@code name} is stored under, when no spelling of it
     * exists yet.
     *
     * @throws org.ext4j.core.spi.Ext4Exception to refuse the name (EPERM, EINVAL)
     */
    byte[] forNewEntry(byte[] name);
}
