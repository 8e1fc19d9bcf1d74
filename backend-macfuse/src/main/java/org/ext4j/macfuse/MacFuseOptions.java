package org.ext4j.macfuse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.ext4j.highlevel.HighLevelOptions;

/**
 * How to mount through macFUSE, from mount(8)-style options. The defaults are what a Mac user
 * copying files with Finder needs: FSKit where macFUSE offers it, the volume named after the ext4
 * label, every file shown as the mounting user's so that it can be written, and Finder's
 * metadata ({@code ._*}, {@code .DS_Store}, {@code com.apple.*} attributes) kept off the volume.
 *
 * @param common      what every fuse3 mount takes: fsname, ro/rw, allow_other, threads, timeouts
 * @param backend     FSKit (no kernel extension, macOS 15.4+) or the kernel extension
 * @param volumeName  the name Finder shows ({@code volname=}); macFUSE's FSKit backend needs one
 * @param appleDouble false ({@code noappledouble}, the default): new {@code ._*} and
 *                    {@code .DS_Store} entries are refused; true ({@code appledouble}) lets them in
 * @param appleXattr  false ({@code noapplexattr}, the default): {@code com.apple.*} attributes are
 *                    refused; true ({@code applexattr}) stores them as {@code user.com.apple.*}
 * @param local       mark the volume local ({@code local}, default), so Finder treats it as a disk
 * @param ownerUid    the owner every file is shown with ({@code uid=}); empty with {@code owners}
 * @param ownerGid    the group every file is shown with ({@code gid=}); empty with {@code owners}
 */
public record MacFuseOptions(HighLevelOptions common, Backend backend, String volumeName, boolean appleDouble,
        boolean appleXattr, boolean local, OptionalLong ownerUid, OptionalLong ownerGid) {

    /** macFUSE's two ways to reach the kernel. */
    public enum Backend {
        /** FSKit, the user-space file system API of macOS 15.4+ ({@code backend=fskit}). */
        FSKIT,
        /** The macFUSE kernel extension, the VFS API ({@code backend=vfs}). */
        VFS
    }

    public MacFuseOptions {
        if (volumeName == null || volumeName.isEmpty() || volumeName.contains(",") || volumeName.contains("/")) {
            throw new IllegalArgumentException("volname must be non-empty, without ',' or '/': " + volumeName);
        }
        if (backend == Backend.FSKIT && (ownerUid.isEmpty() || ownerGid.isEmpty())) {
            throw new IllegalArgumentException("FSKit passes no caller to the server, so every request is made as"
                    + " the files' shown owner: 'owners' (on-disk owners) needs backend=vfs");
        }
    }

    /**
     * Read-write defaults for an image: {@code backend}, volume name {@code volumeName}, files
     * shown as {@code uid}:{@code gid} (the mounting user), no AppleDouble files or Apple attributes.
     */
    public static MacFuseOptions defaults(String fsName, Backend backend, String volumeName, long uid, long gid) {
        return new MacFuseOptions(HighLevelOptions.readWrite(fsName), backend, volumeName, false, false, true,
                OptionalLong.of(uid), OptionalLong.of(gid));
    }

    /**
     * The defaults for {@code source} (an image or a disk) on {@code host}, mounted by the user
     * running this JVM: FSKit where the host offers it, the volume named after the ext4 label
     * {@code label} (or, without one, after the image's file name), the files shown as this user's.
     */
    public static MacFuseOptions forSource(Path source, String label, MacFuseHost host) {
        com.sun.security.auth.module.UnixSystem user = new com.sun.security.auth.module.UnixSystem();
        return defaults(source.toString(), host.fskitByDefault() ? Backend.FSKIT : Backend.VFS,
                volumeName(label, source), user.getUid(), user.getGid());
    }

    /** The ext4 label as a volume name (',' and '/' cannot be in one), else the image's name without its extension. */
    static String volumeName(String label, Path source) {
        String name = label == null ? "" : label.replace('/', '_').replace(',', '_').trim();
        if (name.isEmpty()) {
            Path file = source.getFileName();
            name = file == null ? "ext4" : file.toString().replaceFirst("\\.[^.]*$", "").replace(',', '_');
        }
        return name.isEmpty() ? "ext4" : name;
    }

    /**
     * These options with mount(8)-style {@code list} applied: volname=, backend=fskit|vfs,
     * [no]appledouble, [no]applexattr, [no]local, uid=, gid=, owners (show the on-disk owners;
     * kernel extension only) and everything {@link HighLevelOptions#parse} takes.
     *
     * @throws IllegalArgumentException naming the first option that cannot be honoured
     */
    public MacFuseOptions parse(List<String> list) {
        MacFuseOptions o = this;
        List<String> rest = new ArrayList<>();
        OptionalLong uid = ownerUid;
        OptionalLong gid = ownerGid;
        boolean owners = false;
        for (String entry : list) {
            for (String option : entry.split(",")) {
                int eq = option.indexOf('=');
                String key = eq < 0 ? option : option.substring(0, eq);
                String value = eq < 0 ? null : option.substring(eq + 1);
                switch (key) {
                    case "volname" -> o = o.with(o.backend, require(option, value), o.appleDouble, o.appleXattr, o.local);
                    case "backend" -> o = o.with(backend(require(option, value)), o.volumeName, o.appleDouble,
                            o.appleXattr, o.local);
                    case "appledouble" -> o = o.with(o.backend, o.volumeName, true, o.appleXattr, o.local);
                    case "noappledouble" -> o = o.with(o.backend, o.volumeName, false, o.appleXattr, o.local);
                    case "applexattr" -> o = o.with(o.backend, o.volumeName, o.appleDouble, true, o.local);
                    case "noapplexattr" -> o = o.with(o.backend, o.volumeName, o.appleDouble, false, o.local);
                    case "local" -> o = o.with(o.backend, o.volumeName, o.appleDouble, o.appleXattr, true);
                    case "nolocal" -> o = o.with(o.backend, o.volumeName, o.appleDouble, o.appleXattr, false);
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
        return new MacFuseOptions(o.common.parse(rest), o.backend, o.volumeName, o.appleDouble, o.appleXattr, o.local,
                uid, gid);
    }

    private MacFuseOptions with(Backend b, String name, boolean ad, boolean ax, boolean loc) {
        return new MacFuseOptions(common, b, name, ad, ax, loc, ownerUid, ownerGid);
    }

    /** The same, with the common options replaced. */
    public MacFuseOptions withCommon(HighLevelOptions c) {
        return new MacFuseOptions(c, backend, volumeName, appleDouble, appleXattr, local, ownerUid, ownerGid);
    }

    /** True when files are shown with another owner or group than the one on disk. */
    public boolean overridesOwner() {
        return ownerUid.isPresent() || ownerGid.isPresent();
    }

    /**
     * The options macFUSE's library gets beyond the common ones: volname always (FSKit crashes
     * without one), the backend, local, and the kernel extension's own noappledouble and
     * noapplexattr (the server enforces the same rules itself, because FSKit ignores them).
     */
    public List<String> libraryOptions() {
        List<String> o = new ArrayList<>();
        o.add("volname=" + volumeName);
        if (backend == Backend.FSKIT) {
            o.add("backend=fskit");
        }
        if (local) {
            o.add("local");
        }
        if (!appleDouble) {
            o.add("noappledouble");
        }
        if (!appleXattr) {
            o.add("noapplexattr");
        }
        return o;
    }

    private static Backend backend(String value) {
        return switch (value) {
            case "fskit" -> Backend.FSKIT;
            case "vfs", "kext" -> Backend.VFS;
            default -> throw new IllegalArgumentException("backend=" + value + ": macFUSE offers fskit and vfs (kext)");
        };
    }

    private static long id(String option, String value) {
        try {
            long id = Long.parseLong(require(option, value));
            if (id < 0 || id > 0xFFFF_FFFEL) {
                throw new IllegalArgumentException("mount option '" + option + "': out of range");
            }
            return id;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mount option '" + option + "' needs a number");
        }
    }

    private static String require(String option, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("mount option '" + option + "' needs a value");
        }
        return value;
    }
}
