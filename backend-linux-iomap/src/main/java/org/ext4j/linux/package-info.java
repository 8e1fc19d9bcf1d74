/**
 * The Linux backend. It will own the FUSE kernel protocol spoken directly over /dev/fuse
 * (lowlevel, inode-based: the FUSE node id is the ext4 inode number), mounting with mount(2) or
 * fusermount3, iomap negotiation with registration of the block device (a loop device for an image
 * file) when the kernel offers it, and in-process data I/O otherwise.
 */
package org.ext4j.linux;
