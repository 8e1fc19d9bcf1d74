package org.ext4j.core.host;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A platform's addition to the image lock, found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/org.ext4j.core.host.ImageClaimProvider} entry). {@link ImageLock}
 * asks every provider after it has taken its own lock; a provider that has nothing to add on
 * this system (another OS, its native calls unavailable) answers empty. Implementations must
 * not touch native code before they know they apply: the provider is loaded on every OS.
 */
public interface ImageClaimProvider {
    /**
     * Claims {@code image} in the platform's way, or returns empty when this platform adds
     * nothing here.
     *
     * @param blockDevice whether {@code image} is a block device
     * @throws IOException saying who holds the image when the platform's claim is refused
     */
    Optional<ImageClaim> claim(Path image, boolean blockDevice) throws IOException;
}
