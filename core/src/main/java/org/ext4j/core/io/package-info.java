/**
 * Where bytes live: the {@link org.ext4j.core.io.BlockDevice} abstraction and its file, memory
 * and overlay implementations.
 */
package org.ext4j.core.io;
