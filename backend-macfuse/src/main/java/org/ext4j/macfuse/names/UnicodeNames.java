package org.ext4j.macfuse.names;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.highlevel.path.NamePolicy;

/**
 * Names as macOS hands them to a FUSE server, against ext4's bytes. macOS (and macFUSE's
 * library, which normalizes the names it caches) gives a server names in Unicode's decomposed
 * form (NFD: "e" + U+0301), whatever a program typed; Linux programs and keyboards produce the
 * composed form (NFC: U+00E9), and Linux's ext4 compares bytes. So:
 *
 * <ul>
 * <li>a new entry is stored in NFC, what a Linux user types and sees, as git
 *     (core.precomposeUnicode) and Samba (vfs_fruit) store names that come from a Mac;</li>
 * <li>a name not found as given is looked up in NFC and in NFD, so a name written on Linux in
 *     either form is found from macOS, and one stored in NFC is found by its NFD spelling;</li>
 * <li>an existing entry keeps its bytes: it is replaced, removed and renamed under the spelling
 *     stored, never duplicated in another form;</li>
 * <li>a name that is not valid UTF-8 is bytes, and only its exact bytes name it.</li>
 * </ul>
 *
 * <p>With {@code noappledouble}, new entries named {@code ._*} (longer than two bytes) or
 * {@code .DS_Store} are refused with EPERM, as macFUSE's kernel extension refuses them: Finder
 * metadata stays off the ext4 volume. Entries of those names that already exist (written on Linux)
 * stay visible and usable.
 */
public final class UnicodeNames implements NamePolicy {
    private static final byte[] DS_STORE = ".DS_Store".getBytes(StandardCharsets.US_ASCII);

    private final boolean refuseAppleDouble;

    public UnicodeNames(boolean refuseAppleDouble) {
        this.refuseAppleDouble = refuseAppleDouble;
    }

    @Override
    public List<byte[]> alternatives(byte[] name) {
        String text = unicode(name);
        if (text == null) {
            return List.of();
        }
        List<byte[]> forms = new ArrayList<>(2);
        for (Normalizer.Form form : new Normalizer.Form[] {Normalizer.Form.NFC, Normalizer.Form.NFD}) {
            byte[] other = Normalizer.normalize(text, form).getBytes(StandardCharsets.UTF_8);
            if (!Arrays.equals(other, name) && (forms.isEmpty() || !Arrays.equals(forms.get(0), other))) {
                forms.add(other);
            }
        }
        return forms;
    }

    @Override
    public byte[] forNewEntry(byte[] name) {
        if (refuseAppleDouble && isAppleDouble(name)) {
            throw new Ext4Exception(Errno.EPERM, "noappledouble: " + new String(name, StandardCharsets.UTF_8)
                    + " is Finder metadata, kept off the ext4 volume");
        }
        String text = unicode(name);
        if (text == null) {
            return name;
        }
        byte[] composed = Normalizer.normalize(text, Normalizer.Form.NFC).getBytes(StandardCharsets.UTF_8);
        return Arrays.equals(composed, name) ? name : composed;
    }

    /** {@code ._X} (more than the two bytes) or {@code .DS_Store}, as macFUSE's noappledouble tells them. */
    static boolean isAppleDouble(byte[] name) {
        return name.length > 2 && name[0] == '.' && name[1] == '_' || Arrays.equals(name, DS_STORE);
    }

    /** The name as text when it is valid UTF-8 with something beyond ASCII; null otherwise (bytes stay bytes). */
    private static String unicode(byte[] name) {
        boolean ascii = true;
        for (byte b : name) {
            if (b < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return null;
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(name));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
