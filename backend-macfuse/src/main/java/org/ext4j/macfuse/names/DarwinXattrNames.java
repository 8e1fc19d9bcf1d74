package org.ext4j.macfuse.names;

import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.highlevel.path.XattrNaming;

/**
 * macOS extended attribute names against ext4's. macOS has one namespace ("com.apple.quarantine",
 * "org.example.tag"); ext4 (and Linux) has several. A macOS name N is the ext4 attribute
 * {@code user.N}, which Linux programs see and can set as well; attributes of the other
 * namespaces (trusted., security., system. with the POSIX ACLs) are not shown on macOS and cannot
 * be reached from it.
 *
 * <p>With {@code noapplexattr}, names starting with {@code com.apple.} are refused with EPERM,
 * reading and writing alike, as macFUSE's kernel extension refuses them: the quarantine flag,
 * Finder info and resource forks are not written to the ext4 volume.
 */
public final class DarwinXattrNames implements XattrNaming {
    private static final String USER = "user.";
    private static final String APPLE = "com.apple.";

    private final boolean refuseApple;

    public DarwinXattrNames(boolean refuseApple) {
        this.refuseApple = refuseApple;
    }

    @Override
    public String toCore(String hostName) {
        if (refuseApple && hostName.startsWith(APPLE)) {
            throw new Ext4Exception(Errno.EPERM, "noapplexattr: " + hostName + " is kept off the ext4 volume");
        }
        return USER + hostName;
    }

    @Override
    public String toHost(String coreName) {
        if (!coreName.startsWith(USER)) {
            return null;
        }
        String name = coreName.substring(USER.length());
        return refuseApple && name.startsWith(APPLE) ? null : name;
    }
}
