/**
 * The live connection to the kernel: the {@code /dev/fuse} file descriptors (one cloned per
 * reader thread with FUSE_DEV_IOC_CLONE), the reader threads that each read one whole request
 * into their own direct buffer, hand it to the dispatcher and write the reply back in one write,
 * and the libc bindings (jnr-ffi) that jnr-posix lacks.
 */
package org.ext4j.linux.session;
