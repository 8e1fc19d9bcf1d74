package org.ext4j.highlevel.path;

/**
 * How extended attribute names of the host map to ext4's. Linux names carry their namespace
 * ("user.", "trusted.", "security.", "system.") and are the core's names as they are
 * ({@link #LINUX}); a host without namespaces (macOS) maps its names into one of them.
 */
public interface XattrNaming {
    /** Names are the core's names. */
    XattrNaming LINUX = new XattrNaming() {
        @Override
        public String toCore(String hostName) {
            return hostName;
        }

        @Override
        public String toHost(String coreName) {
            return coreName;
        }
    };

    /**
     * The core's name for host name {@code hostName}.
     *
     * @throws org.ext4j.core.spi.Ext4Exception to refuse the name (EPERM for a name the mount keeps off the volume)
     */
    String toCore(String hostName);

    /** The host's name for core name {@code coreName}, or null when the host cannot see it. */
    String toHost(String coreName);
}
