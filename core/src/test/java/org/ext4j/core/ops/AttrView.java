package org.ext4j.core.ops;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;

/**
 * The part of {@link Attributes} the model can predict: everything but block counts, generation
 * and crtime; the size only of non-directories; flags only where users may change them (not
 * EXTENTS_FL or INLINE_DATA_FL, which depend on how the implementation stores the file).
 */
record AttrView(long ino, FileType type, int mode, long nlink, long uid, long gid, long size, Timestamp atime,
        Timestamp mtime, Timestamp ctime, int flags, int rdevMajor, int rdevMinor) {

    static final int COMPARED_FLAGS = ModelFileSystem.FL_MODIFIABLE & ~ModelFileSystem.FL_EXTENTS;

    static AttrView of(Attributes a) {
        return new AttrView(a.ino(), a.type(), a.mode(), a.nlink(), a.uid(), a.gid(),
                a.type() == FileType.DIRECTORY ? -1 : a.size(), a.atime(), a.mtime(), a.ctime(), a.flags() & COMPARED_FLAGS,
                a.rdevMajor(), a.rdevMinor());
    }

    /**
     * The differences from {@code actual}, one phrase each. With {@code clockTolerance} (a kernel
     * whose clock the test does not control) times that are both within a few hours of the wall
     * clock count as equal when within two seconds of each other; explicitly set times, which the
     * generator draws from 1901..2446, are still compared to the nanosecond.
     */
    List<String> differences(AttrView actual, boolean clockTolerance) {
        List<String> out = new ArrayList<>();
        check(out, "ino", ino, actual.ino);
        check(out, "type", type, actual.type);
        check(out, "mode", "0" + Integer.toOctalString(mode), "0" + Integer.toOctalString(actual.mode));
        check(out, "nlink", nlink, actual.nlink);
        check(out, "uid", uid, actual.uid);
        check(out, "gid", gid, actual.gid);
        check(out, "size", size, actual.size);
        check(out, "flags", Integer.toHexString(flags), Integer.toHexString(actual.flags));
        check(out, "rdev", rdevMajor + ":" + rdevMinor, actual.rdevMajor + ":" + actual.rdevMinor);
        time(out, "atime", atime, actual.atime, clockTolerance);
        time(out, "mtime", mtime, actual.mtime, clockTolerance);
        time(out, "ctime", ctime, actual.ctime, clockTolerance);
        return out;
    }

    private static void check(List<String> out, String what, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            out.add(what + " " + expected + " != " + actual);
        }
    }

    private static void time(List<String> out, String what, Timestamp expected, Timestamp actual, boolean tolerance) {
        if (expected.equals(actual)) {
            return;
        }
        if (tolerance && recent(expected) && recent(actual)
                && Math.abs(nanos(expected) - nanos(actual)) <= 2_000_000_000L) {
            return;
        }
        out.add(what + " " + expected.seconds() + "." + String.format("%09d", expected.nanos()) + " != "
                + actual.seconds() + "." + String.format("%09d", actual.nanos()));
    }

    /**
     * Within a few hours of the wall clock: a time the target's own clock gave during this run.
     * The comparison comes at the end of a run, which through a slow mount (libfuse, a shim) can
     * take minutes, so a window of two minutes made the first operations' times compare strictly;
     * the generator's explicit times (1901..2446) are still far outside it.
     */
    private static boolean recent(Timestamp t) {
        return Math.abs(t.seconds() - Instant.now().getEpochSecond()) < RECENT_SECONDS;
    }

    private static final long RECENT_SECONDS = 6 * 3600;

    private static long nanos(Timestamp t) {
        return t.seconds() * 1_000_000_000L + t.nanos();
    }
}
