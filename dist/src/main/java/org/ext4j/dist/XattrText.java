package org.ext4j.dist;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.ext4j.core.xattr.PosixAcl;

/** How {@code ext4j stat} shows an extended attribute value: ACLs as text, text quoted, the rest in hex. */
final class XattrText {
    static final String ACL_ACCESS = "system.posix_acl_access";
    static final String ACL_DEFAULT = "system.posix_acl_default";

    private XattrText() {
    }

    /** The value of attribute {@code name} for display (may span lines for ACLs). */
    static String render(String name, byte[] value) {
        if (name.equals(ACL_ACCESS) || name.equals(ACL_DEFAULT)) {
            return aclText(value);
        }
        String text = printable(value);
        return text != null ? '"' + text + '"' : hex(value);
    }

    /**
     * A POSIX ACL as getfacl prints its entries (value in the VFS xattr form, which is what
     * getxattr returns); hex when the value does not decode.
     */
    static String aclText(byte[] value) {
        try {
            String text = PosixAcl.fromXattr(value).toText();
            return text.strip().replace("\n", ", ");
        } catch (RuntimeException e) {
            return hex(value) + " (not a valid ACL: " + e.getMessage() + ")";
        }
    }

    /** The value as text when it is valid UTF-8 without control characters (one trailing NUL allowed), else null. */
    static String printable(byte[] value) {
        int len = value.length;
        if (len > 0 && value[len - 1] == 0) {
            len--;
        }
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value, 0, len)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                return null;
            }
        }
        return s;
    }

    /** 0x followed by two hex digits per byte. */
    static String hex(byte[] value) {
        StringBuilder b = new StringBuilder("0x");
        for (byte x : value) {
            b.append(String.format("%02x", x & 0xff));
        }
        return b.toString();
    }
}
