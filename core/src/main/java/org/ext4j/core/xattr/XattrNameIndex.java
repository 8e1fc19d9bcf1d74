package org.ext4j.core.xattr;

/**
 * The name indexes of ext4 xattr entries ({@code e_name_index}): each stands for a name prefix, so
 * an entry stores only the rest of the name.
 */
public final class XattrNameIndex {
    private XattrNameIndex() {
    }

    public static final int USER = 1;
    /** The whole name is the prefix; the entry's own name is empty. */
    public static final int POSIX_ACL_ACCESS = 2;
    /** The whole name is the prefix; the entry's own name is empty. */
    public static final int POSIX_ACL_DEFAULT = 3;
    public static final int TRUSTED = 4;
    public static final int LUSTRE = 5;
    public static final int SECURITY = 6;
    /** "system." names the kernel keeps for itself, such as {@code system.data} for inline data. */
    public static final int SYSTEM = 7;
    public static final int RICHACL = 8;
    /** The fscrypt context ("c"); never shown to user space. */
    public static final int ENCRYPTION = 9;
    public static final int HURD = 10;

    // Indexed by name index; null where the index has no prefix.
    private static final String[] PREFIXES = {
        null, "user.", "system.posix_acl_access", "system.posix_acl_default", "trusted.", "lustre.",
        "security.", "system.", "system.richacl", null, "gnu."};

    /** The prefix {@code index} stands for, or null when it is not a known index. */
    public static String prefix(int index) {
        return index >= 0 && index < PREFIXES.length ? PREFIXES[index] : null;
    }

    /**
     * True for the indexes whose names the kernel shows in listxattr: internal ones (system.data,
     * the encryption context, richacl, lustre) stay hidden.
     */
    public static boolean visibleToUserSpace(int index) {
        return index == USER || index == POSIX_ACL_ACCESS || index == POSIX_ACL_DEFAULT || index == TRUSTED
                || index == SECURITY || index == HURD;
    }

    /** True for the indexes whose prefix is the whole name (an entry's own name must then be empty). */
    static boolean isWholeName(int index) {
        return index == POSIX_ACL_ACCESS || index == POSIX_ACL_DEFAULT || index == RICHACL;
    }
}
