package org.ext4j.linux.mount;

import java.util.List;

/**
 * How to mount.
 *
 * @param readOnly      mount read-only (MS_RDONLY): the image is opened read-only and every change
 *                      answers EROFS
 * @param allowOther    let users other than the mounter in ({@code allow_other})
 * @param readerThreads threads reading requests, each on its own cloned fd
 * @param fsName        what /proc/mounts shows as the source (the image path)
 * @param allowNonEmpty mount over a directory that has entries (they are hidden meanwhile)
 * @param extraOptions  further mount data options passed verbatim (the escape hatch)
 */
public record MountOptions(boolean readOnly, boolean allowOther, int readerThreads, String fsName,
        boolean allowNonEmpty, List<String> extraOptions) {

    public MountOptions {
        if (readerThreads < 1) {
            throw new IllegalArgumentException("readerThreads must be at least 1: " + readerThreads);
        }
        if (fsName == null || fsName.isEmpty()) {
            throw new IllegalArgumentException("fsName is required");
        }
        extraOptions = List.copyOf(extraOptions);
        for (String o : extraOptions) {
            if (o.contains(",")) {
                throw new IllegalArgumentException("one option per entry, without commas: " + o);
            }
        }
    }

    /** Read-only, two reader threads, only the mounter may enter. */
    public static MountOptions readOnly(String fsName) {
        return new MountOptions(true, false, 2, fsName, false, List.of());
    }

    /** Read-write, two reader threads, only the mounter may enter. */
    public static MountOptions readWrite(String fsName) {
        return new MountOptions(false, false, 2, fsName, false, List.of());
    }

    public MountOptions withReadOnly(boolean ro) {
        return new MountOptions(ro, allowOther, readerThreads, fsName, allowNonEmpty, extraOptions);
    }

    public MountOptions withAllowOther(boolean allow) {
        return new MountOptions(readOnly, allow, readerThreads, fsName, allowNonEmpty, extraOptions);
    }

    public MountOptions withReaderThreads(int n) {
        return new MountOptions(readOnly, allowOther, n, fsName, allowNonEmpty, extraOptions);
    }

    public MountOptions withAllowNonEmpty(boolean allow) {
        return new MountOptions(readOnly, allowOther, readerThreads, fsName, allow, extraOptions);
    }
}
