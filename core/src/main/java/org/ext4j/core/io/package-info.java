/**
 * Where bytes live: the {@link org.ext4j.core.io.BlockDevice} abstraction and its file, memory
 * and overlay implementations.
 *
 * <p>May import: {@code spi} only. Knows nothing of ext4.
 */
package org.ext4j.core.io;
