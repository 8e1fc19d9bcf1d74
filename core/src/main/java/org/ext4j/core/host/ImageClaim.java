package org.ext4j.core.host;

/**
 * What a platform holds on an image beside the {@link ImageLock} itself (on Linux: a flock and,
 * for a block device, the kernel's exclusive claim). Released when the lock is.
 */
public interface ImageClaim extends AutoCloseable {
    /** Lets go of what {@link ImageClaimProvider#claim} took; never fails. */
    @Override
    void close();
}
