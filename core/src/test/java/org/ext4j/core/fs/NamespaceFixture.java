package org.ext4j.core.fs;

import java.time.Clock;

// Lets tests outside this package drive Namespace over the real writers with a TransactionManager of their own.
public final class NamespaceFixture {
    private NamespaceFixture() {
    }

    /** A {@link Namespace} of {@code fs} over the real directory, block-map and xattr writers. */
    public static Namespace writerBacked(Ext4FileSystem fs, Clock clock) {
        return new Namespace(fs, new WriterDirectoryOps(Writers.of(fs)), clock);
    }
}
