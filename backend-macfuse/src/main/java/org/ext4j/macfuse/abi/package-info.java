/**
 * macOS and macFUSE facts as data for the high-level binding: struct fuse_darwin_attr, struct
 * statfs, macFUSE's fuse_operations order and its Darwin-extensions dialect, errno and flag
 * values. No native calls; every number is checked against a compiled probe and the headers'
 * declarations in the tests.
 */
package org.ext4j.macfuse.abi;
