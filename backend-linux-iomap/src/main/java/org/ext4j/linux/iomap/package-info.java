/**
 * The block device side of FUSE iomap: attaching a loop device (direct I/O, autoclear) when the
 * filesystem is an image file, and registering the device with the FUSE connection
 * (BACKING_OPEN of type iomap) so that the kernel can do file data I/O on it. The protocol side
 * (mappings, completions) is in {@code org.ext4j.linux.dispatch}.
 */
package org.ext4j.linux.iomap;
