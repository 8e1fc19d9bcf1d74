package org.ext4j.dist;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.InodeFileSystem;

/** Reads a whole directory through opendir/readdir/releasedir, for commands that list or copy it. */
public final class DirectoryListing {
    /** Entries asked for per readdir call. */
    private static final int BATCH = 1024;

    /** Orders names by their bytes, unsigned, as ls does in the C locale. */
    public static final Comparator<DirectoryEntry> BY_NAME = (a, b) -> Arrays.compareUnsigned(a.name(), b.name());

    private DirectoryListing() {
    }

    /** Every entry of directory {@code ino} ("." and ".." included), sorted by name bytes. */
    public static List<DirectoryEntry> read(InodeFileSystem fs, long ino) {
        List<DirectoryEntry> all = new ArrayList<>();
        long handle = fs.opendir(Caller.ROOT, ino);
        try {
            long offset = 0;
            while (true) {
                List<DirectoryEntry> batch = fs.readdir(ino, handle, offset, BATCH);
                if (batch.isEmpty()) {
                    break;
                }
                long next = batch.get(batch.size() - 1).nextOffset();
                // A cookie that does not move would list the same entries forever.
                if (next == offset) {
                    throw new CorruptionException(CorruptionException.Structure.DIRECTORY, ino, CorruptionException.NO_BLOCK,
                            "directory inode " + ino + ": readdir made no progress at cookie " + offset);
                }
                all.addAll(batch);
                offset = next;
            }
        } finally {
            fs.releasedir(ino, handle);
        }
        all.sort(BY_NAME);
        return all;
    }

    /** True for the "." and ".." entries. */
    public static boolean isDotOrDotDot(DirectoryEntry e) {
        byte[] n = e.name();
        return n.length == 1 && n[0] == '.' || n.length == 2 && n[0] == '.' && n[1] == '.';
    }
}
