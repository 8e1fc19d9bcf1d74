package org.ext4j.winfsp.names;

import org.ext4j.highlevel.path.XattrNaming;

/**
 * Windows extended attributes (EAs, which WinFsp passes to setxattr and getxattr under their own
 * names) against ext4's. Windows has one EA namespace; ext4 has several. The EA N is the ext4
 * attribute {@code user.N}, as Samba stores Windows EAs, which Linux programs see and set as well;
 * attributes of the other namespaces (trusted., security., system. with the POSIX ACLs) are not
 * shown to Windows and cannot be reached from it.
 */
public final class WindowsEaNames implements XattrNaming {
    private static final String USER = "user.";

    @Override
    public String toCore(String hostName) {
        return USER + hostName;
    }

    @Override
    public String toHost(String coreName) {
        return coreName.startsWith(USER) && coreName.length() > USER.length() ? coreName.substring(USER.length())
                : null;
    }
}
