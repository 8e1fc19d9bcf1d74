package org.ext4j.highlevel;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How to mount through libfuse3's high-level API.
 *
 * @param fsName       what the mount table shows as the source (the image path)
 * @param readOnly     mount read-only ({@code ro}); the volume must then refuse writes as well
 * @param allowOther   let users other than the mounter in ({@code allow_other})
 * @param maxThreads   most libfuse worker threads
 * @param entryTimeout seconds the kernel may cache a name
 * @param attrTimeout  seconds the kernel may cache attributes. The high-level API gives every path
 *                     its own kernel inode, so a change through one hard link would leave the
 *                     others stale for that long: the backend invalidates them (see
 *                     {@link org.ext4j.highlevel.path.StaleAttributes})
 * @param passThrough  further mount options handed to libfuse as they are (only those in
 *                     {@link #PASS_THROUGH}; anything else is refused by name)
 */
public record HighLevelOptions(String fsName, boolean readOnly, boolean allowOther, int maxThreads,
        double entryTimeout, double attrTimeout, List<String> passThrough) {

    /** Generic mount flags libfuse3 takes and ext4j has nothing to add to. */
    public static final Set<String> PASS_THROUGH = Set.of("nosuid", "suid", "nodev", "dev", "noexec", "exec",
            "noatime", "atime", "sync", "async", "dirsync");

    /**
     * Options this backend refuses with a reason: they would undo what ext4j relies on, or the
     * backend does not implement them.
     */
    private static final List<String[]> REFUSED = List.of(
            new String[] {"uid", "showing another owner (uid=/gid=) is not implemented by the fuse3 backend"},
            new String[] {"gid", "showing another owner (uid=/gid=) is not implemented by the fuse3 backend"},
            new String[] {"umask", "umask= would override the modes stored in the filesystem"},
            new String[] {"kernel_cache", "kernel_cache would keep stale pages of hard-linked files"},
            new String[] {"auto_unmount", "auto_unmount forks a fusermount3 helper out of the JVM"},
            new String[] {"hard_remove", "an unlinked open file is kept by the ext4 orphan list, and hard_remove would "
                    + "make fstat of it fail"},
            new String[] {"use_ino", "always on: inode numbers are the ext4 inode numbers"},
            new String[] {"direct_io", "direct_io is not supported by the fuse3 backend"},
            new String[] {"blkdev", "blkdev (fuseblk) is served by the linux backend"});

    public HighLevelOptions {
        if (fsName == null || fsName.isEmpty() || fsName.contains(",")) {
            throw new IllegalArgumentException("fsName must be non-empty and contain no comma: " + fsName);
        }
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1: " + maxThreads);
        }
        if (!(entryTimeout >= 0) || !(attrTimeout >= 0)) {
            throw new IllegalArgumentException("timeouts must be zero or positive");
        }
        passThrough = List.copyOf(passThrough);
        for (String o : passThrough) {
            if (!PASS_THROUGH.contains(o)) {
                throw new IllegalArgumentException("mount option '" + o + "' is not supported by the fuse3 backend");
            }
        }
    }

    /** Read-write, only the mounter may enter, 10 threads, names and attributes cached 1 s. */
    public static HighLevelOptions readWrite(String fsName) {
        return new HighLevelOptions(fsName, false, false, 10, 1.0, 1.0, List.of());
    }

    public static HighLevelOptions readOnly(String fsName) {
        return readWrite(fsName).withReadOnly(true);
    }

    public HighLevelOptions withReadOnly(boolean ro) {
        return new HighLevelOptions(fsName, ro, allowOther, maxThreads, entryTimeout, attrTimeout, passThrough);
    }

    public HighLevelOptions withAllowOther(boolean allow) {
        return new HighLevelOptions(fsName, readOnly, allow, maxThreads, entryTimeout, attrTimeout, passThrough);
    }

    public HighLevelOptions withAttrTimeout(double seconds) {
        return new HighLevelOptions(fsName, readOnly, allowOther, maxThreads, entryTimeout, seconds, passThrough);
    }

    public HighLevelOptions withMaxThreads(int n) {
        return new HighLevelOptions(fsName, readOnly, allowOther, n, entryTimeout, attrTimeout, passThrough);
    }

    /**
     * These options with mount(8)-style {@code list} applied, each entry one option or a
     * comma-separated list: ro, rw, allow_other, fsname=, max_threads=, entry_timeout=,
     * attr_timeout=, default_permissions (always on) and the {@link #PASS_THROUGH} flags.
     *
     * @throws IllegalArgumentException naming the first option that cannot be honoured
     */
    public HighLevelOptions parse(List<String> list) {
        HighLevelOptions o = this;
        List<String> extra = new ArrayList<>(passThrough);
        for (String entry : list) {
            for (String option : entry.split(",")) {
                if (option.isEmpty()) {
                    continue;
                }
                int eq = option.indexOf('=');
                String key = eq < 0 ? option : option.substring(0, eq);
                String value = eq < 0 ? null : option.substring(eq + 1);
                for (String[] refused : REFUSED) {
                    if (refused[0].equals(key)) {
                        throw new IllegalArgumentException("mount option '" + option + "' refused: " + refused[1]);
                    }
                }
                switch (key) {
                    case "ro" -> o = o.withReadOnly(true);
                    case "rw" -> o = o.withReadOnly(false);
                    case "allow_other" -> o = o.withAllowOther(true);
                    case "default_permissions" -> { }
                    case "fsname" -> o = new HighLevelOptions(require(option, value), o.readOnly, o.allowOther,
                            o.maxThreads, o.entryTimeout, o.attrTimeout, extra);
                    case "max_threads" -> o = o.withMaxThreads(Integer.parseInt(require(option, value)));
                    case "entry_timeout" -> o = new HighLevelOptions(o.fsName, o.readOnly, o.allowOther, o.maxThreads,
                            Double.parseDouble(require(option, value)), o.attrTimeout, extra);
                    case "attr_timeout" -> o = new HighLevelOptions(o.fsName, o.readOnly, o.allowOther, o.maxThreads,
                            o.entryTimeout, Double.parseDouble(require(option, value)), extra);
                    default -> {
                        if (value != null || !PASS_THROUGH.contains(key)) {
                            throw new IllegalArgumentException("mount option '" + option
                                    + "' is not supported by the fuse3 backend");
                        }
                        extra.add(key);
                    }
                }
            }
        }
        return new HighLevelOptions(o.fsName, o.readOnly, o.allowOther, o.maxThreads, o.entryTimeout, o.attrTimeout,
                extra);
    }

    private static String require(String option, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("mount option '" + option + "' needs a value");
        }
        return value;
    }

    /**
     * The -o list libfuse gets: the kernel checks permissions from the attributes ext4j returns
     * (default_permissions), as the Linux backend asks too, and the core checks again.
     */
    public List<String> libfuseOptions() {
        List<String> o = new ArrayList<>();
        o.add("fsname=" + fsName);
        o.add("subtype=ext4j");
        o.add("default_permissions");
        if (allowOther) {
            o.add("allow_other");
        }
        o.add(readOnly ? "ro" : "rw");
        o.addAll(passThrough);
        return o;
    }
}
