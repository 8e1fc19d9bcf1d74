/**
 * Facts about the native side, as data: struct stat/statvfs layouts per OS and architecture,
 * errno and flag tables, dev_t packing ({@link org.ext4j.highlevel.abi.Platform}), and the
 * libfuse3 structures per library version ({@link org.ext4j.highlevel.abi.LibfuseAbi},
 * {@link org.ext4j.highlevel.abi.Operation}). No native calls.
 */
package org.ext4j.highlevel.abi;
