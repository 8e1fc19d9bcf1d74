package org.ext4j.core.testing;

// A group of operations in the POSIX behaviour suite that a backend may lack on its platform: PosixSuite runs a group only when the backend declares it.
public enum PosixFeature {
    /** fallocate(1): preallocation, KEEP_SIZE, punching holes, zeroing ranges (Linux fallocate(2)). */
    FALLOCATE("fallocate", "fallocate"),
    /** lseek with SEEK_DATA and SEEK_HOLE. */
    SEEK_HOLE("seek_hole"),
    /** copy_file_range(2), Linux only. */
    COPY_FILE_RANGE("copy_file_range"),
    /** renameat2 with RENAME_NOREPLACE and RENAME_EXCHANGE, Linux only. */
    RENAME_FLAGS("rename_flags"),
    /** mkfifo, and mknod of character and block devices with large major/minor numbers. */
    SPECIAL_FILES("special_files"),
    /** Permission checks by children that switch to other uids and gids (sticky dirs, setuid clearing, ACL grants). */
    OTHER_USERS("other_users"),
    /** user. and trusted. extended attributes through the syscalls and setfattr/getfattr. */
    XATTRS("xattrs", "setfattr", "getfattr"),
    /** POSIX access and default ACLs through setfacl/getfacl. */
    ACLS("acls", "setfacl", "getfacl"),
    /** ext4 inode flags (immutable, append-only, dirsync) through chattr/lsattr. */
    INODE_FLAGS("inode_flags", "chattr", "lsattr"),
    /** name_to_handle_at/open_by_handle_at (Linux file handles, as NFS exports use them), also after a remount. */
    FILE_HANDLES("file_handles"),
    /** Creating hard links with link(2) (without it the suite renames where it would link; existing links are still read). */
    HARD_LINKS("hard_links");

    private final String scriptName;
    private final String[] tools;

    PosixFeature(String scriptName, String... tools) {
        this.scriptName = scriptName;
        this.tools = tools;
    }

    /** The name {@code posix_suite.py} knows this group by. */
    String scriptName() {
        return scriptName;
    }

    /** The programs the group's operations run; the suite requires them before it starts. */
    String[] tools() {
        return tools.clone();
    }
}
