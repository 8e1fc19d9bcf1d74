/**
 * Extended attributes as ext4 stores them: the entry table in the inode body after
 * {@code i_extra_isize} and in the external block {@code i_file_acl}, values held in an EA inode,
 * the name-index prefixes, and the POSIX ACL codec (ext4's on-disk form, the VFS xattr form and
 * the getfacl text form). Read by XattrReader; written by XattrWriter (placement as the kernel
 * does it, shared-block copy-on-write, ACL validation) and InodeXattrEditor. Every offset and
 * size read from disk is validated before use.
 *
 * <p>May import: {@code extent} (an EA inode's value is file content), {@code alloc}, {@code tx},
 * {@code view}, {@code inode}, {@code disk}, {@code spi}.
 */
package org.ext4j.core.xattr;
