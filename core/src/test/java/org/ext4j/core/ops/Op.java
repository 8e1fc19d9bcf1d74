package org.ext4j.core.ops;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * One generated operation: applied the same way to the model and to the system under test, it
 * returns a comparable result ({@link AttrView}, a number or "ok") or throws the Ext4Exception
 * whose errno is compared.
 */
sealed interface Op {
    OpKind kind();

    Caller caller();

    /** Runs the operation on {@code fs}. */
    Object apply(WritableFileSystem fs);

    /** A one-line description for failure messages (names abbreviated). */
    String describe();

    static String show(byte[] name) {
        String s = new String(name, StandardCharsets.UTF_8);
        return name.length > 24 ? "'" + s.substring(0, Math.min(s.length(), 12)) + "…'(" + name.length + "B)" : "'" + s + "'";
    }

    static String who(Caller c) {
        return "uid " + c.uid();
    }

    record Create(Caller caller, long parent, byte[] name, int mode) implements Op {
        public OpKind kind() {
            return OpKind.CREATE;
        }

        public Object apply(WritableFileSystem fs) {
            WritableFileSystem.Created c = fs.create(caller, parent, name, mode,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
            fs.release(c.attributes().ino(), c.handle());
            return AttrView.of(c.attributes());
        }

        public String describe() {
            return who(caller) + " create " + parent + "/" + show(name) + " 0" + Integer.toOctalString(mode);
        }
    }

    record Mknod(Caller caller, long parent, byte[] name, int mode, int major, int minor) implements Op {
        public OpKind kind() {
            return OpKind.MKNOD;
        }

        public Object apply(WritableFileSystem fs) {
            return AttrView.of(fs.mknod(caller, parent, name, mode, major, minor));
        }

        public String describe() {
            return who(caller) + " mknod " + parent + "/" + show(name) + " 0" + Integer.toOctalString(mode) + " " + major + ":" + minor;
        }
    }

    record Mkdir(Caller caller, long parent, byte[] name, int mode) implements Op {
        public OpKind kind() {
            return OpKind.MKDIR;
        }

        public Object apply(WritableFileSystem fs) {
            return AttrView.of(fs.mkdir(caller, parent, name, mode));
        }

        public String describe() {
            return who(caller) + " mkdir " + parent + "/" + show(name) + " 0" + Integer.toOctalString(mode);
        }
    }

    record Symlink(Caller caller, long parent, byte[] name, byte[] target) implements Op {
        public OpKind kind() {
            return OpKind.SYMLINK;
        }

        public Object apply(WritableFileSystem fs) {
            return AttrView.of(fs.symlink(caller, parent, name, target));
        }

        public String describe() {
            return who(caller) + " symlink " + parent + "/" + show(name) + " -> " + show(target);
        }
    }

    record Link(Caller caller, long ino, long newParent, byte[] newName) implements Op {
        public OpKind kind() {
            return OpKind.LINK;
        }

        public Object apply(WritableFileSystem fs) {
            return AttrView.of(fs.link(caller, ino, newParent, newName));
        }

        public String describe() {
            return who(caller) + " link " + ino + " as " + newParent + "/" + show(newName);
        }
    }

    record Unlink(Caller caller, long parent, byte[] name) implements Op {
        public OpKind kind() {
            return OpKind.UNLINK;
        }

        public Object apply(WritableFileSystem fs) {
            fs.unlink(caller, parent, name);
            return "ok";
        }

        public String describe() {
            return who(caller) + " unlink " + parent + "/" + show(name);
        }
    }

    record Rmdir(Caller caller, long parent, byte[] name) implements Op {
        public OpKind kind() {
            return OpKind.RMDIR;
        }

        public Object apply(WritableFileSystem fs) {
            fs.rmdir(caller, parent, name);
            return "ok";
        }

        public String describe() {
            return who(caller) + " rmdir " + parent + "/" + show(name);
        }
    }

    record Rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) implements Op {
        public OpKind kind() {
            return OpKind.RENAME;
        }

        public Object apply(WritableFileSystem fs) {
            fs.rename(caller, parent, name, newParent, newName, flags);
            return "ok";
        }

        public String describe() {
            return who(caller) + " rename " + parent + "/" + show(name) + " -> " + newParent + "/" + show(newName)
                    + " flags " + flags;
        }
    }

    /** Opens for writing, writes {@code length} bytes drawn from {@code dataSeed}, releases. */
    record Write(Caller caller, long ino, long offset, int length, long dataSeed) implements Op {
        public OpKind kind() {
            return OpKind.WRITE;
        }

        public Object apply(WritableFileSystem fs) {
            byte[] data = new byte[length];
            new Random(dataSeed).nextBytes(data);
            long handle = fs.open(caller, ino, WritableFileSystem.O_WRONLY);
            try {
                return fs.write(caller, ino, handle, offset, data, 0, length);
            } finally {
                fs.release(ino, handle);
            }
        }

        public String describe() {
            return who(caller) + " write " + ino + " @" + offset + " +" + length;
        }
    }

    record Truncate(Caller caller, long ino, long size) implements Op {
        public OpKind kind() {
            return OpKind.TRUNCATE;
        }

        public Object apply(WritableFileSystem fs) {
            return AttrView.of(fs.setattr(caller, ino, -1, SetAttr.truncate(size)));
        }

        public String describe() {
            return who(caller) + " truncate " + ino + " to " + size;
        }
    }

    record Chmod(Caller caller, long ino, int mode) implements Op {
        public OpKind kind() {
            return OpKind.CHMOD;
        }

        public Object apply(WritableFileSystem fs) {
            return AttrView.of(fs.setattr(caller, ino, -1, SetAttr.chmod(mode)));
        }

        public String describe() {
            return who(caller) + " chmod " + ino + " 0" + Integer.toOctalString(mode);
        }
    }

    /** chown; -1 leaves an id. */
    record Chown(Caller caller, long ino, long uid, long gid) implements Op {
        public OpKind kind() {
            return OpKind.CHOWN;
        }

        public Object apply(WritableFileSystem fs) {
            return AttrView.of(fs.setattr(caller, ino, -1, SetAttr.chown(uid, gid)));
        }

        public String describe() {
            return who(caller) + " chown " + ino + " " + uid + ":" + gid;
        }
    }

    record Utimens(Caller caller, long ino, TimeChange atime, TimeChange mtime) implements Op {
        public OpKind kind() {
            return OpKind.UTIMENS;
        }

        public Object apply(WritableFileSystem fs) {
            return AttrView.of(fs.setattr(caller, ino, -1, SetAttr.utimens(atime, mtime)));
        }

        public String describe() {
            return who(caller) + " utimens " + ino + " a=" + atime + " m=" + mtime;
        }
    }

    record SetXattr(Caller caller, long ino, String name, byte[] value, int flags) implements Op {
        public OpKind kind() {
            return OpKind.SETXATTR;
        }

        public Object apply(WritableFileSystem fs) {
            fs.setxattr(caller, ino, name, value, flags);
            return "ok";
        }

        public String describe() {
            return who(caller) + " setxattr " + ino + " " + name + " (" + value.length + "B) flags " + flags;
        }
    }

    record RemoveXattr(Caller caller, long ino, String name) implements Op {
        public OpKind kind() {
            return OpKind.REMOVEXATTR;
        }

        public Object apply(WritableFileSystem fs) {
            fs.removexattr(caller, ino, name);
            return "ok";
        }

        public String describe() {
            return who(caller) + " removexattr " + ino + " " + name;
        }
    }

    record SetFlags(Caller caller, long ino, int flags) implements Op {
        public OpKind kind() {
            return OpKind.SETFLAGS;
        }

        public Object apply(WritableFileSystem fs) {
            return AttrView.of(fs.setflags(caller, ino, flags));
        }

        public String describe() {
            return who(caller) + " setflags " + ino + " 0x" + Integer.toHexString(flags);
        }
    }

    /**
     * open(O_TMPFILE | O_RDWR | O_EXCL) in a directory, then the close that frees the inode: the
     * result is only whether it was allowed (the kernel's inode number never shows).
     */
    record Tmpfile(Caller caller, long parent, int mode) implements Op {
        public OpKind kind() {
            return OpKind.TMPFILE;
        }

        public Object apply(WritableFileSystem fs) {
            WritableFileSystem.Created c = fs.tmpfile(caller, parent, mode, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
            // A target that cannot show the new inode (a kernel reached by path) has closed it already.
            if (c.attributes() != null) {
                fs.release(c.attributes().ino(), c.handle());
            }
            return "ok";
        }

        public String describe() {
            return who(caller) + " tmpfile in " + parent + " 0" + Integer.toOctalString(mode);
        }
    }

    /** Opens for writing, fallocates COLLAPSE_RANGE or INSERT_RANGE (with any other mode bits drawn), releases. */
    record Fallocate(Caller caller, long ino, int mode, long offset, long length) implements Op {
        public OpKind kind() {
            return (mode & WritableFileSystem.FALLOC_FL_COLLAPSE_RANGE) != 0 ? OpKind.COLLAPSE_RANGE : OpKind.INSERT_RANGE;
        }

        public Object apply(WritableFileSystem fs) {
            long handle = fs.open(caller, ino, WritableFileSystem.O_WRONLY);
            try {
                fs.fallocate(caller, ino, handle, mode, offset, length);
            } finally {
                fs.release(ino, handle);
            }
            return AttrView.of(fs.getattr(ino));
        }

        public String describe() {
            return who(caller) + " fallocate " + ino + " mode 0x" + Integer.toHexString(mode) + " @" + offset + " +" + length;
        }
    }
}
