/**
 * The libfuse3 binding: library discovery by soname and version, the fuse_operations table of
 * jnr-ffi closures, the callbacks that translate native arguments for the path layer, and the
 * session (fuse_new, fuse_mount, the loop thread, unmount from outside).
 */
package org.ext4j.highlevel.bind;
