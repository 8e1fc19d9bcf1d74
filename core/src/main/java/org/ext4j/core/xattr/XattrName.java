package org.ext4j.core.xattr;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * An xattr name as ext4 stores it: a name index and the remaining bytes. Names are bytes on disk;
 * {@link #fullName()} decodes them as UTF-8 for display, {@link #fullNameBytes()} keeps them exact.
 */
public final class XattrName {
    /** Longest stored name part ({@code e_name_len} is one byte). */
    public static final int MAX_SUFFIX_LEN = 255;

    private final int index;
    private final byte[] suffix;

    /** A name made of {@code index} and the stored name bytes {@code suffix}. */
    public XattrName(int index, byte[] suffix) {
        this.index = index;
        this.suffix = suffix.clone();
    }

    /**
     * Splits a full name such as {@code user.comment} or {@code system.posix_acl_access} into its
     * index and stored part. The whole-name indexes (the ACLs) are tried before the plain
     * {@code system.} prefix so that they are not stored under index 7.
     *
     * @throws Ext4Exception EOPNOTSUPP when no index has a matching prefix (the kernel's answer for
     *                       an unknown namespace), ERANGE when the rest is longer than 255 bytes
     */
    public static XattrName parse(String fullName) {
        return parse(fullName.getBytes(StandardCharsets.UTF_8));
    }

    /** Like {@link #parse(String)} for a name given as raw bytes. */
    public static XattrName parse(byte[] fullName) {
        int best = -1;
        int bestLen = -1;
        for (int i = 0; i <= XattrNameIndex.HURD; i++) {
            String p = XattrNameIndex.prefix(i);
            if (p == null) {
                continue;
            }
            byte[] pb = p.getBytes(StandardCharsets.US_ASCII);
            boolean matches = XattrNameIndex.isWholeName(i)
                    ? Arrays.equals(fullName, pb)
                    : startsWith(fullName, pb) && fullName.length > pb.length;
            if (matches && pb.length > bestLen) {
                best = i;
                bestLen = pb.length;
            }
        }
        if (best < 0) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "xattr name \"" + new String(fullName, StandardCharsets.UTF_8)
                    + "\" is in no namespace ext4 stores");
        }
        byte[] rest = Arrays.copyOfRange(fullName, bestLen, fullName.length);
        if (rest.length > MAX_SUFFIX_LEN) {
            throw new Ext4Exception(Errno.ERANGE, "xattr name is too long (" + fullName.length + " bytes)");
        }
        return new XattrName(best, rest);
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        return b.length >= prefix.length && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** {@code e_name_index}. */
    public int index() {
        return index;
    }

    /** A copy of the stored name bytes (without the prefix). */
    public byte[] suffix() {
        return suffix.clone();
    }

    /** Length of the stored name bytes ({@code e_name_len}). */
    public int suffixLength() {
        return suffix.length;
    }

    /**
     * The order the kernel keeps entries of an xattr block in: by name index, then name length,
     * then the name bytes compared unsigned.
     */
    int compareInBlock(XattrName other) {
        if (index != other.index) {
            return Integer.compare(index, other.index);
        }
        if (suffix.length != other.suffix.length) {
            return Integer.compare(suffix.length, other.suffix.length);
        }
        return Arrays.compareUnsigned(suffix, other.suffix);
    }

    /** True when the index has a known prefix. */
    public boolean isKnownIndex() {
        return XattrNameIndex.prefix(index) != null;
    }

    /** Prefix and stored bytes; an unknown index is shown as {@code index<N>:} for diagnostics only. */
    public byte[] fullNameBytes() {
        String p = XattrNameIndex.prefix(index);
        byte[] pb = (p != null ? p : "index" + index + ":").getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(pb, pb.length + suffix.length);
        System.arraycopy(suffix, 0, out, pb.length, suffix.length);
        return out;
    }

    /** The full name, e.g. {@code user.comment}, with the stored bytes decoded as UTF-8. */
    public String fullName() {
        return new String(fullNameBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XattrName n && n.index == index && Arrays.equals(n.suffix, suffix);
    }

    @Override
    public int hashCode() {
        return 31 * index + Arrays.hashCode(suffix);
    }

    @Override
    public String toString() {
        return fullName();
    }
}
