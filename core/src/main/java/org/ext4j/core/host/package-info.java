/**
 * What the core needs to know about the machine it runs on, in ways that work on every OS:
 * which OS it is and how FUSE is installed there ({@link org.ext4j.core.host.HostOs}), how its
 * dev_t packs device numbers ({@link org.ext4j.core.host.DevT}), and the lock that keeps a
 * second writer away from an image ({@link org.ext4j.core.host.ImageLock}), to which a platform
 * may add its own claims ({@link org.ext4j.core.host.ImageClaimProvider}). Only the JDK is used
 * here; native calls belong to the backends.
 *
 * <p>May import: {@code spi}.
 */
package org.ext4j.core.host;
