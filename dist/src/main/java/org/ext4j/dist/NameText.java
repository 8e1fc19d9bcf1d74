package org.ext4j.dist;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.ext4j.core.spi.CorruptionException;

/**
 * Names and symbolic link targets read from an image, which are bytes: how the commands show
 * them (one escaping rule for ls, stat and error messages) and how they become host paths
 * (refused, never silently changed, when the host cannot hold them).
 */
final class NameText {
    private NameText() {
    }

    /**
     * A directory entry name for display, as {@code ls -b} prints it except that spaces stay as
     * they are: printable UTF-8 as it is; a backslash as {@code \\}; control characters as
     * {@code \t}, {@code \n} and the other C letters, or else {@code \ooo} octal, as are bytes
     * that are not UTF-8 and a '/' (which no valid name holds). Every name prints on one line
     * and reads back unambiguously.
     */
    static String name(byte[] name) {
        return escape(name, true);
    }

    /** A symbolic link target for display: like {@link #name}, but '/' is the separator it is. */
    static String target(byte[] target) {
        return escape(target, false);
    }

    /**
     * The host path {@code dir/NAME} for an entry called {@code name} in the image.
     *
     * @throws CorruptionException when the name is empty, ".", "..", or holds '/' or NUL (no
     *         valid directory entry does; e2fsck repairs such names)
     * @throws CommandFailure when the name is not UTF-8 or this host's file name encoding cannot
     *         hold it: Java writes file names only from text, so the copy would get another name
     */
    static Path hostChild(Path dir, byte[] name, String what) {
        boolean dots = name.length == 1 && name[0] == '.' || name.length == 2 && name[0] == '.' && name[1] == '.';
        if (!(name.length > 0 && !dots)) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY,
                    "a directory entry is named '" + name(name) + "'");
        }
        for (byte b : name) {
            if (!(b != '/' && b != 0)) {
                throw new CorruptionException(CorruptionException.Structure.DIRECTORY,
                        "the directory entry name holds a " + (b == 0 ? "NUL byte" : "'/'"));
            }
        }
        String text = decode(name, what, "name");
        try {
            return dir.resolve(text);
        } catch (InvalidPathException e) {
            throw new CommandFailure(what, "the name cannot be written in this host's file name encoding ("
                    + System.getProperty("sun.jnu.encoding") + "); run with a UTF-8 locale");
        }
    }

    /**
     * The host path a copied symbolic link points to.
     *
     * @throws CorruptionException when the target is empty or holds a NUL byte (the kernel would
     *         cut it there; e2fsck clears such links)
     * @throws CommandFailure when the target is not UTF-8 or the host encoding cannot hold it
     */
    static Path hostTarget(byte[] target, String what) {
        if (!(target.length > 0)) {
            throw new CorruptionException(CorruptionException.Structure.SYMLINK,
                    "the symbolic link target is empty");
        }
        for (int i = 0; i < target.length; i++) {
            if (!(target[i] != 0)) {
                throw new CorruptionException(CorruptionException.Structure.SYMLINK,
                        "the symbolic link target '" + target(target)
                    + "' holds a NUL byte at offset " + i);
            }
        }
        String text = decode(target, what, "symbolic link target");
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new CommandFailure(what, "the symbolic link target cannot be written in this host's file name "
                    + "encoding (" + System.getProperty("sun.jnu.encoding") + "); run with a UTF-8 locale");
        }
    }

    private static String decode(byte[] bytes, String what, String kind) {
        try {
            return strictUtf8().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CommandFailure(what, "the " + kind + " is not UTF-8, and Java can create host names only "
                    + "from text (its bytes: '" + escape(bytes, kind.equals("name")) + "')");
        }
    }

    private static String escape(byte[] bytes, boolean slash) {
        StringBuilder b = new StringBuilder(bytes.length);
        CharsetDecoder utf8 = strictUtf8();
        int i = 0;
        while (i < bytes.length) {
            int lead = bytes[i] & 0xff;
            int len = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3
                    : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
            String ch = null;
            if (len > 0 && i + len <= bytes.length) {
                try {
                    ch = utf8.reset().decode(ByteBuffer.wrap(bytes, i, len)).toString();
                } catch (CharacterCodingException e) {
                    ch = null;
                }
            }
            if (ch == null || Character.isISOControl(ch.codePointAt(0)) || slash && lead == '/') {
                int letter = lead >= 7 && lead <= 13 ? "abtnvfr".charAt(lead - 7) : 0;
                if (letter != 0) {
                    b.append('\\').append((char) letter);
                } else {
                    // One byte at a time: a bad sequence may hide a good character after its lead byte.
                    b.append('\\').append((char) ('0' + (lead >> 6))).append((char) ('0' + (lead >> 3 & 7)))
                            .append((char) ('0' + (lead & 7)));
                }
                i++;
                continue;
            }
            b.append(lead == '\\' ? "\\\\" : ch);
            i += len;
        }
        return b.toString();
    }

    private static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
}
