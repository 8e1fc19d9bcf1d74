/**
 * Hashed directory indexes (htree): the directory name hashes that order an indexed directory's
 * leaf blocks ({@link org.ext4j.core.htree.DirHash}), the dx_root and dx_node blocks (parsed,
 * and edited by the directory writer through {@link org.ext4j.core.htree.DxBlock}'s static
 * helpers) and the lookup path through them ({@link org.ext4j.core.htree.HtreeIndex}).
 *
 * <p>May import: {@code disk}, {@code spi} (it reads no blocks itself).
 */
package org.ext4j.core.htree;
