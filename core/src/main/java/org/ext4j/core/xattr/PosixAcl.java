package org.ext4j.core.xattr;

import static org.ext4j.core.disk.LittleEndian.u16;
import static org.ext4j.core.disk.LittleEndian.u32;

import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * A POSIX ACL and its three forms: ext4's compact on-disk value (version 1, ids only where the
 * tag needs one), the VFS xattr value user space sees through getxattr (version 2, every entry 8
 * bytes) and the text getfacl prints.
 *
 * @param entries the entries in stored order (the kernel stores them sorted by tag, then id)
 */
public record PosixAcl(List<Entry> entries) {
    public static final int ACL_USER_OBJ = 0x01;
    public static final int ACL_USER = 0x02;
    public static final int ACL_GROUP_OBJ = 0x04;
    public static final int ACL_GROUP = 0x08;
    public static final int ACL_MASK = 0x10;
    public static final int ACL_OTHER = 0x20;

    public static final int ACL_READ = 4;
    public static final int ACL_WRITE = 2;
    public static final int ACL_EXECUTE = 1;

    /** The id the VFS form carries for entries that have none. */
    public static final long ACL_UNDEFINED_ID = 0xFFFFFFFFL;

    /** a_version of ext4's on-disk form (ext4_acl_header). */
    public static final int EXT4_ACL_VERSION = 1;
    /** a_version of the VFS xattr form (posix_acl_xattr_header). */
    public static final int POSIX_ACL_XATTR_VERSION = 2;

    // ext4_acl_entry / ext4_acl_entry_short and posix_acl_xattr_entry fields.
    static final int E_TAG = 0x0;
    static final int E_PERM = 0x2;
    static final int E_ID = 0x4;
    static final int HEADER_SIZE = 4;
    static final int SHORT_ENTRY_SIZE = 4;
    static final int FULL_ENTRY_SIZE = 8;

    /**
     * One ACL entry.
     *
     * @param tag  one of the ACL_* tags
     * @param perm ACL_READ | ACL_WRITE | ACL_EXECUTE bits
     * @param id   the uid or gid for ACL_USER / ACL_GROUP, otherwise {@link #ACL_UNDEFINED_ID}
     */
    public record Entry(int tag, int perm, long id) {
        public Entry {
            if (!validTag(tag) || (perm & ~7) != 0 || id < 0 || id > ACL_UNDEFINED_ID) {
                throw new IllegalArgumentException("invalid ACL entry: tag 0x" + Integer.toHexString(tag) + ", perm " + perm + ", id " + id);
            }
        }

        /** True for the tags that name a user or group. */
        public boolean hasId() {
            return tag == ACL_USER || tag == ACL_GROUP;
        }
    }

    public PosixAcl {
        entries = List.copyOf(entries);
    }

    /** Decodes ext4's on-disk value of system.posix_acl_access / _default. */
    public static PosixAcl fromDisk(byte[] value) {
        String where = "POSIX ACL (ext4 form)";
        if (!(value.length >= HEADER_SIZE)) {
            throw new CorruptionException(CorruptionException.Structure.ACL,
                    where + ": " + value.length + " bytes is shorter than the header");
        }
        long version = u32(value, 0);
        if (!(version == EXT4_ACL_VERSION)) {
            throw new CorruptionException(CorruptionException.Structure.ACL,
                    where + ": version " + version + " (expected 1)");
        }
        List<Entry> entries = new ArrayList<>();
        int pos = HEADER_SIZE;
        // Each entry consumes at least 4 bytes, so the loop ends within value.length / 4 steps.
        while (pos < value.length) {
            if (!(value.length - pos >= SHORT_ENTRY_SIZE)) {
                throw new CorruptionException(CorruptionException.Structure.ACL,
                        where + ": truncated entry at offset " + pos);
            }
            int tag = u16(value, pos + E_TAG);
            int perm = u16(value, pos + E_PERM);
            checkTagAndPerm(tag, perm, where + ": entry at offset " + pos);
            if (tag == ACL_USER || tag == ACL_GROUP) {
                if (!(value.length - pos >= FULL_ENTRY_SIZE)) {
                    throw new CorruptionException(CorruptionException.Structure.ACL,
                            where + ": truncated entry at offset " + pos);
                }
                entries.add(new Entry(tag, perm, u32(value, pos + E_ID)));
                pos += FULL_ENTRY_SIZE;
            } else {
                entries.add(new Entry(tag, perm, ACL_UNDEFINED_ID));
                pos += SHORT_ENTRY_SIZE;
            }
        }
        return new PosixAcl(entries);
    }

    /** Encodes ext4's on-disk form. */
    public byte[] toDisk() {
        int size = HEADER_SIZE;
        for (Entry e : entries) {
            size += e.hasId() ? FULL_ENTRY_SIZE : SHORT_ENTRY_SIZE;
        }
        byte[] out = new byte[size];
        LittleEndian.put32(out, 0, EXT4_ACL_VERSION);
        int pos = HEADER_SIZE;
        for (Entry e : entries) {
            LittleEndian.put16(out, pos + E_TAG, e.tag());
            LittleEndian.put16(out, pos + E_PERM, e.perm());
            if (e.hasId()) {
                LittleEndian.put32(out, pos + E_ID, e.id());
                pos += FULL_ENTRY_SIZE;
            } else {
                pos += SHORT_ENTRY_SIZE;
            }
        }
        return out;
    }

    /**
     * Decodes the VFS xattr form (what setxattr hands in).
     *
     * @throws Ext4Exception EINVAL on a malformed value: it comes from a caller, not from disk
     */
    public static PosixAcl fromXattr(byte[] value) {
        if (value.length < HEADER_SIZE || (value.length - HEADER_SIZE) % FULL_ENTRY_SIZE != 0) {
            throw new Ext4Exception(Errno.EINVAL, "POSIX ACL xattr value of " + value.length + " bytes is malformed");
        }
        if (u32(value, 0) != POSIX_ACL_XATTR_VERSION) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "POSIX ACL xattr version " + u32(value, 0) + " (expected 2)");
        }
        List<Entry> entries = new ArrayList<>();
        for (int pos = HEADER_SIZE; pos < value.length; pos += FULL_ENTRY_SIZE) {
            int tag = u16(value, pos + E_TAG);
            int perm = u16(value, pos + E_PERM);
            if (!validTag(tag) || (perm & ~7) != 0) {
                throw new Ext4Exception(Errno.EINVAL, "POSIX ACL xattr entry at offset " + pos + ": tag 0x"
                        + Integer.toHexString(tag) + ", perm " + perm + " is invalid");
            }
            boolean named = tag == ACL_USER || tag == ACL_GROUP;
            entries.add(new Entry(tag, perm, named ? u32(value, pos + E_ID) : ACL_UNDEFINED_ID));
        }
        return new PosixAcl(entries);
    }

    /** Encodes the VFS xattr form, as getxattr("system.posix_acl_access") returns it. */
    public byte[] toXattr() {
        byte[] out = new byte[HEADER_SIZE + entries.size() * FULL_ENTRY_SIZE];
        LittleEndian.put32(out, 0, POSIX_ACL_XATTR_VERSION);
        int pos = HEADER_SIZE;
        for (Entry e : entries) {
            LittleEndian.put16(out, pos + E_TAG, e.tag());
            LittleEndian.put16(out, pos + E_PERM, e.perm());
            LittleEndian.put32(out, pos + E_ID, e.hasId() ? e.id() : ACL_UNDEFINED_ID);
            pos += FULL_ENTRY_SIZE;
        }
        return out;
    }

    /**
     * Checks the rules the kernel enforces on an ACL handed in by setxattr (posix_acl_valid): the
     * tags come in the order USER_OBJ, USER*, GROUP_OBJ, GROUP*, MASK, OTHER with exactly one of
     * each *_OBJ and OTHER; a MASK is required as soon as a named USER or GROUP entry is present
     * and allowed only then or alone; named entries carry a real id (not {@link #ACL_UNDEFINED_ID}).
     * Like the kernel, the order and uniqueness of ids among named entries is not checked.
     *
     * @throws Ext4Exception EINVAL when a rule is broken
     */
    public void validate() {
        // States of the walk: which tag may come next.
        final int expectUserObj = 0;
        final int inUsers = 1;
        final int inGroups = 2;
        final int expectOther = 3;
        final int done = 4;
        int state = expectUserObj;
        boolean needsMask = false;
        for (Entry e : entries) {
            boolean ok;
            switch (e.tag()) {
                case ACL_USER_OBJ:
                    ok = state == expectUserObj;
                    state = inUsers;
                    break;
                case ACL_USER:
                    ok = state == inUsers && e.id() != ACL_UNDEFINED_ID;
                    needsMask = true;
                    break;
                case ACL_GROUP_OBJ:
                    ok = state == inUsers;
                    state = inGroups;
                    break;
                case ACL_GROUP:
                    ok = state == inGroups && e.id() != ACL_UNDEFINED_ID;
                    needsMask = true;
                    break;
                case ACL_MASK:
                    ok = state == inGroups;
                    state = expectOther;
                    break;
                case ACL_OTHER:
                    ok = state == expectOther || (state == inGroups && !needsMask);
                    state = done;
                    break;
                default:
                    ok = false;
                    break;
            }
            if (!ok) {
                throw new Ext4Exception(Errno.EINVAL, "POSIX ACL entry " + e + " is out of place or invalid");
            }
        }
        if (state != done) {
            throw new Ext4Exception(Errno.EINVAL, "POSIX ACL lacks a required entry (owner, group, other, or mask with named entries)");
        }
    }

    /**
     * True when the ACL says no more than the permission bits do (only USER_OBJ, GROUP_OBJ and
     * OTHER entries): the kernel then stores no access ACL at all (posix_acl_equiv_mode == 0).
     */
    public boolean isEquivalentToMode() {
        for (Entry e : entries) {
            if (e.tag() == ACL_USER || e.tag() == ACL_GROUP || e.tag() == ACL_MASK) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code mode} with its rwx bits for owner, group and other replaced as an access ACL
     * dictates (posix_acl_equiv_mode): the owner bits from USER_OBJ, the group bits from MASK if
     * present, else from GROUP_OBJ, the other bits from OTHER. File type, setuid, setgid and
     * sticky bits are kept.
     */
    public int applyToMode(int mode) {
        int bits = 0;
        for (Entry e : entries) {
            switch (e.tag()) {
                case ACL_USER_OBJ:
                    bits |= e.perm() << 6;
                    break;
                case ACL_GROUP_OBJ:
                    bits |= e.perm() << 3;
                    break;
                case ACL_OTHER:
                    bits |= e.perm();
                    break;
                case ACL_MASK:
                    // The mask, which follows GROUP_OBJ, is what the group bits show.
                    bits = (bits & ~0070) | (e.perm() << 3);
                    break;
                default:
                    break;
            }
        }
        return (mode & ~0777) | bits;
    }

    /**
     * This access ACL after chmod to {@code mode}, as the kernel's posix_acl_chmod rewrites it:
     * USER_OBJ takes the owner bits, OTHER the other bits, and the group bits go to MASK when
     * there is one (GROUP_OBJ then keeps its permissions), else to GROUP_OBJ. Named entries
     * are kept. EIO, as the kernel answers, when USER_OBJ, GROUP_OBJ or OTHER is missing.
     */
    public PosixAcl withMode(int mode) {
        boolean hasMask = false;
        boolean userObj = false;
        boolean groupObj = false;
        boolean other = false;
        for (Entry e : entries) {
            hasMask |= e.tag() == ACL_MASK;
            userObj |= e.tag() == ACL_USER_OBJ;
            groupObj |= e.tag() == ACL_GROUP_OBJ;
            other |= e.tag() == ACL_OTHER;
        }
        if (!userObj || !groupObj || !other) {
            throw new Ext4Exception(Errno.EIO, "access ACL lacks an owner, group or other entry");
        }
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            int perm = switch (e.tag()) {
                case ACL_USER_OBJ -> (mode >> 6) & 7;
                case ACL_GROUP_OBJ -> hasMask ? e.perm() : (mode >> 3) & 7;
                case ACL_MASK -> (mode >> 3) & 7;
                case ACL_OTHER -> mode & 7;
                default -> e.perm();
            };
            out.add(new Entry(e.tag(), perm, e.id()));
        }
        return new PosixAcl(out);
    }

    /**
     * The access ACL a new inode of {@code mode} takes from its directory's default ACL (this
     * ACL), as posix_acl_create_masq makes it: USER_OBJ, OTHER and the MASK (GROUP_OBJ when
     * there is no mask) keep only the permissions the mode grants their class; named entries
     * are kept, the mask limits them. {@link #applyToMode} of the result is the new inode's mode.
     * EIO, as the kernel answers, when there is neither a MASK nor a GROUP_OBJ.
     */
    public PosixAcl maskedForCreate(int mode) {
        boolean hasMask = false;
        boolean groupObj = false;
        for (Entry e : entries) {
            hasMask |= e.tag() == ACL_MASK;
            groupObj |= e.tag() == ACL_GROUP_OBJ;
        }
        if (!hasMask && !groupObj) {
            throw new Ext4Exception(Errno.EIO, "default ACL has neither a mask nor a group entry");
        }
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            int perm = switch (e.tag()) {
                case ACL_USER_OBJ -> e.perm() & (mode >> 6) & 7;
                case ACL_GROUP_OBJ -> hasMask ? e.perm() : e.perm() & (mode >> 3) & 7;
                case ACL_MASK -> e.perm() & (mode >> 3) & 7;
                case ACL_OTHER -> e.perm() & mode & 7;
                default -> e.perm();
            };
            out.add(new Entry(e.tag(), perm, e.id()));
        }
        return new PosixAcl(out);
    }

    /**
     * The text getfacl prints for these entries with numeric ids and without the header and
     * "#effective" comments ({@code getfacl -n --omit-header -E}): one line per entry such as
     * {@code user:1000:r--}, each ending in a newline.
     */
    public String toText() {
        return toText("");
    }

    /** Like {@link #toText()} with every line prefixed, e.g. "default:" as getfacl shows default ACLs. */
    public String toText(String linePrefix) {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            sb.append(linePrefix).append(tagName(e.tag())).append(':');
            if (e.hasId()) {
                sb.append(e.id());
            }
            sb.append(':')
                    .append((e.perm() & ACL_READ) != 0 ? 'r' : '-')
                    .append((e.perm() & ACL_WRITE) != 0 ? 'w' : '-')
                    .append((e.perm() & ACL_EXECUTE) != 0 ? 'x' : '-')
                    .append('\n');
        }
        return sb.toString();
    }

    private static String tagName(int tag) {
        switch (tag) {
            case ACL_USER_OBJ:
            case ACL_USER:
                return "user";
            case ACL_GROUP_OBJ:
            case ACL_GROUP:
                return "group";
            case ACL_MASK:
                return "mask";
            case ACL_OTHER:
                return "other";
            default:
                throw new IllegalStateException("unknown ACL tag " + tag);
        }
    }

    private static boolean validTag(int tag) {
        return tag == ACL_USER_OBJ || tag == ACL_USER || tag == ACL_GROUP_OBJ || tag == ACL_GROUP
                || tag == ACL_MASK || tag == ACL_OTHER;
    }

    private static void checkTagAndPerm(int tag, int perm, String where) {
        if (!validTag(tag)) {
            throw new CorruptionException(CorruptionException.Structure.ACL,
                    where + ": unknown tag 0x" + Integer.toHexString(tag));
        }
        if (!((perm & ~7) == 0)) {
            throw new CorruptionException(CorruptionException.Structure.ACL,
                    where + ": permission bits 0" + Integer.toOctalString(perm) + " are invalid");
        }
    }
}
