/**
 * Hashed directory indexes (htree): the directory name hashes that order an indexed directory's
 * leaf blocks ({@link org.ext4j.core.htree.DirHash}).
 */
package org.ext4j.core.htree;
