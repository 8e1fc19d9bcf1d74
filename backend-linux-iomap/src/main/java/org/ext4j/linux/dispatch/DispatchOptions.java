package org.ext4j.linux.dispatch;

/**
 * How the dispatcher answers.
 *
 * @param entryTimeoutSeconds how long the kernel may trust a name (ext4j is the only writer, so long)
 * @param attrTimeoutSeconds  how long the kernel may trust attributes
 * @param maxWrite            largest WRITE the kernel may send (and so, the read buffer it needs)
 * @param maxPages            largest request in pages (READ size = maxPages * page size)
 * @param kernelChecksPermissions true when mounted with default_permissions: the kernel has
 *                            already checked access with the caller's full group list
 */
public record DispatchOptions(long entryTimeoutSeconds, long attrTimeoutSeconds, int maxWrite, int maxPages,
        boolean kernelChecksPermissions) {

    public static final DispatchOptions DEFAULT = new DispatchOptions(3600, 3600, 1 << 20, 256, true);
}
