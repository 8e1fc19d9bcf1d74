package org.ext4j.winfsp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.ext4j.highlevel.HighLevelOptions;

/**
 * How to mount through WinFsp, from mount(8)-style options. The defaults are what a Windows user
 * copying files with Explorer needs: every file shown as theirs ({@code uid=-1,gid=-1}, WinFsp's
 * "the mounting user") so that Windows lets them write, the volume named after the ext4 label,
 * Explorer's file system column saying ext4, and new files and directories made by Windows
 * programs (which bring no POSIX mode) given 0644 and 0755.
 *
 * @param common     what every high-level mount takes: fsname, ro/rw, threads, timeouts
 * @param volumeName the label Explorer shows ({@code volname=}, at most 32 characters)
 * @param ownerUid   the owner every file is shown with ({@code uid=}): -1 the mounting user (the
 *                   default), a number that uid; empty with {@code owners} (the on-disk owners)
 * @param ownerGid   likewise for the group ({@code gid=})
 */
public record WinFspOptions(HighLevelOptions common, String volumeName, OptionalLong ownerUid,
        OptionalLong ownerGid) {

    /** WinFsp's own placeholder for "the user who mounts" in uid= and gid=. */
    public static final long MOUNTING_USER = -1;
    /** Windows labels have at most 32 characters. */
    static final int MAX_LABEL = 32;

    public WinFspOptions {
        if (volumeName == null || volumeName.isEmpty() || volumeName.length() > MAX_LABEL || volumeName.contains(",")) {
            throw new IllegalArgumentException("volname must be 1 to 32 characters without ',': " + volumeName);
        }
        checkId("uid", ownerUid);
        checkId("gid", ownerGid);
        if (ownerUid.isPresent() != ownerGid.isPresent()) {
            // Requests are made as the on-disk owner and group together (see WinFspBackend).
            throw new IllegalArgumentException("uid= and gid= are overridden together, or neither (owners)");
        }
    }

    private static void checkId(String what, OptionalLong id) {
        if (id.isPresent() && (id.getAsLong() < MOUNTING_USER || id.getAsLong() > 0xFFFF_FFFEL)) {
            throw new IllegalArgumentException(what + "= must be -1 (the mounting user) or 0 to 4294967294");
        }
    }

    /**
     * Read-write defaults: files shown as the mounting user's, the volume named {@code volumeName},
     * attributes not cached (FileInfoTimeout=0): WinFsp's fuse3_invalidate_path answers an error and
     * does nothing, so a change through one name of a hard-linked file could not refresh the others.
     */
    public static WinFspOptions defaults(String fsName, String volumeName) {
        return new WinFspOptions(HighLevelOptions.readWrite(fsName).withAttrTimeout(0), volumeName, OptionalLong.of(MOUNTING_USER),
                OptionalLong.of(MOUNTING_USER));
    }

    /** The defaults for {@code source}, its volume named after the ext4 label {@code label} (or the file's name). */
    public static WinFspOptions forSource(Path source, String label) {
        return defaults(source.toString(), volumeName(label, source));
    }

    /** The label as a Windows volume name (no ',', at most 32 characters), else the image's name without its extension. */
    static String volumeName(String label, Path source) {
        String name = label == null ? "" : label.replace(',', '_').strip();
        if (name.isEmpty()) {
            Path file = source.getFileName();
            name = file == null ? "" : file.toString().replaceFirst("\\.[^.]*$", "").replace(',', '_');
        }
        if (name.isEmpty()) {
            name = "ext4";
        }
        return name.length() > MAX_LABEL ? name.substring(0, MAX_LABEL) : name;
    }

    /**
     * These options with {@code list} applied: volname=, uid= and gid= (-1: the mounting user),
     * owners (show the on-disk owners, and make requests as the Windows user WinFsp names), and
     * everything {@link HighLevelOptions#parse} takes.
     *
     * @throws IllegalArgumentException naming the first option that cannot be honoured
     */
    public WinFspOptions parse(List<String> list) {
        String name = volumeName;
        OptionalLong uid = ownerUid;
        OptionalLong gid = ownerGid;
        boolean owners = false;
        List<String> rest = new ArrayList<>();
        for (String entry : list) {
            for (String option : entry.split(",")) {
                if (option.isEmpty()) {
                    continue;
                }
                int eq = option.indexOf('=');
                String key = eq < 0 ? option : option.substring(0, eq);
                String value = eq < 0 ? null : option.substring(eq + 1);
                switch (key) {
                    case "volname" -> name = require(option, value);
                    case "uid" -> uid = OptionalLong.of(id(option, value));
                    case "gid" -> gid = OptionalLong.of(id(option, value));
                    case "owners" -> owners = true;
                    default -> rest.add(option);
                }
            }
        }
        if (owners) {
            uid = OptionalLong.empty();
            gid = OptionalLong.empty();
        }
        return new WinFspOptions(common.parse(rest), name, uid, gid);
    }

    /** The same, with the common options replaced. */
    public WinFspOptions withCommon(HighLevelOptions c) {
        return new WinFspOptions(c, volumeName, ownerUid, ownerGid);
    }

    /** True when files are shown with another owner or group than the one on disk. */
    public boolean overridesOwner() {
        return ownerUid.isPresent() || ownerGid.isPresent();
    }

    /**
     * WinFsp's own options: the volume label; ExactFileSystemName=ext4, so that Explorer's
     * "File system" says ext4 (FileSystemName= would say FUSE-ext4); the owner override; the
     * attribute timeout in WinFsp's milliseconds (FileInfoTimeout); and the modes of what Windows
     * programs create, which bring none (create_file_umask=0133 gives 0644, create_dir_umask=022
     * 0755; without them WinFsp would make both 0777).
     */
    public List<String> libraryOptions() {
        List<String> o = new ArrayList<>();
        o.add("volname=" + volumeName);
        o.add("ExactFileSystemName=ext4");
        ownerUid.ifPresent(id -> o.add("uid=" + id));
        ownerGid.ifPresent(id -> o.add("gid=" + id));
        o.add("FileInfoTimeout=" + Math.round(common.attrTimeout() * 1000));
        o.add("create_file_umask=0133");
        o.add("create_dir_umask=022");
        return o;
    }

    private static long id(String option, String value) {
        try {
            return Long.parseLong(require(option, value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mount option '" + option + "' needs a number (-1: the mounting user)");
        }
    }

    private static String require(String option, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("mount option '" + option + "' needs a value");
        }
        return value;
    }
}
