package org.ext4j.winfsp.names;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * ext4 names (bytes) as Windows shows them through WinFsp, and back, without loss.
 *
 * <p>WinFsp already carries the characters Windows forbids in names ({@code : * ? " < > | \} and
 * the controls 1 to 31) across, as Cygwin and Services for Macintosh do: each becomes U+F000 plus
 * its code in the Unicode private use area on the way to Windows, and back on the way in. Two
 * things it cannot carry are left to this class:
 * <ul>
 * <li>bytes that are not UTF-8 (WinFsp's MultiByteToWideChar would make them U+FFFD, and the
 *     name could then be neither opened nor told apart from another);</li>
 * <li>a trailing dot or space, which Win32 strips from the last name of every path, so that a
 *     program asking for {@code "notes."} reaches {@code "notes"}.</li>
 * </ul>
 * Both follow WinFsp's own rule: byte {@code xx} is shown as U+F0xx. A byte that is not part of
 * valid UTF-8 becomes U+F080 to U+F0FF; a name's last character, when it is a dot or a space,
 * becomes U+F02E or U+F020; and a private-use character U+F000 to U+F0FF stored in a name (which
 * would otherwise read as one of these) is shown as its three bytes, each escaped, so that every
 * U+F0xx Windows sees stands for exactly one byte.
 *
 * <p>The way in: a Windows name without any U+F0xx character means its own UTF-8 bytes (also
 * {@code "notes."} or {@code "a:b"} arriving raw, as WinFsp passes them from programs that avoid
 * Win32's trimming). A name with U+F0xx characters is decoded byte by byte, and is accepted only
 * when it is exactly how this class shows the decoded name: one Windows spelling per ext4 name,
 * so no two Windows names that look different reach the same file by surprise ({@code "x\uF02Ey"}
 * is not {@code "x.y"}).
 */
public final class WindowsNames {
    private static final int ESCAPE_BASE = 0xF000;

    private WindowsNames() {
    }

    /** The bytes WinFsp should get for ext4 name {@code name} ("." and ".." as they are). */
    public static byte[] toWindows(byte[] name) {
        if (isDotOrDotDot(name)) {
            return name;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length + 8);
        int i = 0;
        while (i < name.length) {
            int len = utf8Length(name, i);
            int last = name.length - 1;
            if (len > 0 && !isEscapeRange(name, i, len) && !(i == last && isDotOrSpace(name[i]))) {
                out.write(name, i, len);
                i += len;
            } else {
                int n = Math.max(len, 1);
                for (int k = 0; k < n; k++) {
                    escape(out, name[i + k] & 0xFF);
                }
                i += n;
            }
        }
        return out.toByteArray();
    }

    /**
     * The ext4 name for Windows name {@code windows} (UTF-8, as WinFsp hands it over), or null
     * when it carries private-use escapes that are not how {@link #toWindows} shows any name.
     */
    public static byte[] fromWindows(byte[] windows) {
        if (!hasEscape(windows)) {
            return windows;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(windows.length);
        int i = 0;
        while (i < windows.length) {
            int len = utf8Length(windows, i);
            if (len == 3 && isEscapeRange(windows, i, 3)) {
                out.write(codePoint(windows, i, 3) - ESCAPE_BASE);
                i += 3;
            } else {
                int n = Math.max(len, 1);
                out.write(windows, i, n);
                i += n;
            }
        }
        byte[] name = out.toByteArray();
        return Arrays.equals(toWindows(name), windows) ? name : null;
    }

    /** A symlink target as Windows should see it: each name between slashes as {@link #toWindows} shows it. */
    public static byte[] targetToWindows(byte[] target) {
        return mapComponents(target, true);
    }

    /** A symlink target from Windows, name by name as {@link #fromWindows}; null when a name is refused. */
    public static byte[] targetFromWindows(byte[] target) {
        return mapComponents(target, false);
    }

    private static byte[] mapComponents(byte[] path, boolean toWindows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(path.length + 8);
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                byte[] part = Arrays.copyOfRange(path, start, i);
                byte[] mapped = toWindows ? toWindows(part) : fromWindows(part);
                if (mapped == null) {
                    return null;
                }
                out.write(mapped, 0, mapped.length);
                if (i < path.length) {
                    out.write('/');
                }
                start = i + 1;
            }
        }
        return out.toByteArray();
    }

    private static void escape(ByteArrayOutputStream out, int b) {
        int c = ESCAPE_BASE + b;
        out.write(0xE0 | (c >> 12));
        out.write(0x80 | ((c >> 6) & 0x3F));
        out.write(0x80 | (c & 0x3F));
    }

    private static boolean hasEscape(byte[] s) {
        for (int i = 0; i + 2 < s.length; i++) {
            if (isEscapeRange(s, i, utf8Length(s, i))) {
                return true;
            }
        }
        return false;
    }

    /** True when the {@code len} bytes at {@code i} are one character of U+F000 to U+F0FF. */
    private static boolean isEscapeRange(byte[] s, int i, int len) {
        if (len != 3) {
            return false;
        }
        int c = codePoint(s, i, 3);
        return c >= ESCAPE_BASE && c <= ESCAPE_BASE + 0xFF;
    }

    private static int codePoint(byte[] s, int i, int len) {
        int c = len == 1 ? s[i] & 0x7F : len == 2 ? s[i] & 0x1F : len == 3 ? s[i] & 0x0F : s[i] & 0x07;
        for (int k = 1; k < len; k++) {
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        return c;
    }

    /**
     * The length of the valid UTF-8 character at {@code i} (shortest form, no surrogates, at most
     * U+10FFFF), or 0 when the byte there does not start one.
     */
    static int utf8Length(byte[] s, int i) {
        int b = s[i] & 0xFF;
        int len;
        int min;
        if (b < 0x80) {
            return 1;
        } else if ((b & 0xE0) == 0xC0) {
            len = 2;
            min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            len = 3;
            min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            len = 4;
            min = 0x10000;
        } else {
            return 0;
        }
        if (i + len > s.length) {
            return 0;
        }
        for (int k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
        }
        int c = codePoint(s, i, len);
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            return 0;
        }
        return len;
    }

    private static boolean isDotOrSpace(byte b) {
        return b == '.' || b == ' ';
    }

    private static boolean isDotOrDotDot(byte[] name) {
        return name.length == 1 && name[0] == '.' || name.length == 2 && name[0] == '.' && name[1] == '.';
    }
}
