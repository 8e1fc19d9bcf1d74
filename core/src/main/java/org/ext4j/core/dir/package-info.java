/**
 * Directories on the read path: dirent parsing and validation, listing with stable offsets, and
 * name lookup through the htree index (or a linear scan), for block and inline directories.
 */
package org.ext4j.core.dir;
