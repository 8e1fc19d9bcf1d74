package org.ext4j.linux.dispatch;

import java.util.OptionalInt;
import java.util.OptionalLong;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.linux.protocol.AttrOut;
import org.ext4j.linux.protocol.CopyFileRangeIn;
import org.ext4j.linux.protocol.CopyFileRangeOut;
import org.ext4j.linux.protocol.CreateIn;
import org.ext4j.linux.protocol.CreateOut;
import org.ext4j.linux.protocol.EntryOut;
import org.ext4j.linux.protocol.FallocateIn;
import org.ext4j.linux.protocol.InHeader;
import org.ext4j.linux.protocol.InitFlags;
import org.ext4j.linux.protocol.LinkIn;
import org.ext4j.linux.protocol.MkdirIn;
import org.ext4j.linux.protocol.MknodIn;
import org.ext4j.linux.protocol.OpenOut;
import org.ext4j.linux.protocol.OutStruct;
import org.ext4j.linux.protocol.RenameIn;
import org.ext4j.linux.protocol.SetattrIn;
import org.ext4j.linux.protocol.SetxattrIn;
import org.ext4j.linux.protocol.SymlinkIn;
import org.ext4j.linux.protocol.WriteIn;
import org.ext4j.linux.protocol.WriteOut;

/**
 * The requests that change the filesystem, served through the core's {@link WritableFileSystem}.
 * On a filesystem that takes no writes each answers EROFS (ENOSYS when the filesystem has no
 * write half at all). Every entry handed to the kernel counts one lookup, as LOOKUP's do.
 */
final class WriteRequests {
    /** The most COPY_FILE_RANGE (32-bit reply) may report; the kernel asks for no more. */
    private static final long COPY_32_LIMIT = 0xFFFF_F000L;
    /** Bytes copied per read/write round of a COPY_FILE_RANGE. */
    private static final int COPY_CHUNK = 1 << 20;

    private final InodeFileSystem fs;
    private final DispatchOptions options;
    private final LookupCounts lookups;
    private volatile long granted;

    WriteRequests(InodeFileSystem fs, DispatchOptions options, LookupCounts lookups) {
        this.fs = fs;
        this.options = options;
        this.lookups = lookups;
    }

    /** The INIT capabilities granted, which change some request layouts and who applies the umask. */
    void granted(long flags) {
        this.granted = flags;
    }

    private boolean has(long flag) {
        return (granted & flag) != 0;
    }

    /** The write half, or EROFS / ENOSYS. */
    WritableFileSystem writable() {
        if (fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "read-only: " + fs.readOnlyReason());
        }
        return fs.writable().orElseThrow(() -> new FuseDispatcher.ProtocolError(Errno.ENOSYS.code()));
    }

    AttrOut setattr(InHeader h, long ino, SetattrIn in) {
        WritableFileSystem w = writable();
        SetAttr changes = new SetAttr(
                in.has(SetattrIn.MODE) ? OptionalInt.of(in.mode() & 07777) : OptionalInt.empty(),
                in.has(SetattrIn.UID) ? OptionalLong.of(in.uid()) : OptionalLong.empty(),
                in.has(SetattrIn.GID) ? OptionalLong.of(in.gid()) : OptionalLong.empty(),
                in.has(SetattrIn.SIZE_VALID) ? OptionalLong.of(in.size()) : OptionalLong.empty(),
                time(in, SetattrIn.ATIME, SetattrIn.ATIME_NOW, in.atime(), in.atimensec()),
                time(in, SetattrIn.MTIME, SetattrIn.MTIME_NOW, in.mtime(), in.mtimensec()));
        // FATTR_KILL_SUIDGID needs nothing more: the core drops the bits on chown, and on truncate by
        // a caller without CAP_FSETID, exactly as the kernel asks.
        long handle = in.has(SetattrIn.FH) ? in.fh() : -1;
        Attributes a = w.setattr(Credentials.of(h), ino, handle, changes);
        return new AttrOut(options.attrTimeoutSeconds(), 0, AttributeReplies.fuseAttr(a));
    }

    private static TimeChange time(SetattrIn in, int setBit, int nowBit, long seconds, int nanos) {
        if (in.has(nowBit)) {
            return TimeChange.NOW;
        }
        if (in.has(setBit)) {
            return TimeChange.set(new Timestamp(seconds, nanos));
        }
        return TimeChange.OMIT;
    }

    EntryOut mknod(InHeader h, long parent, MknodIn in) {
        return counted(writable().mknod(Credentials.of(h), parent, in.name(), in.mode(), umask(in.umask()),
                in.rdevMajor(), in.rdevMinor()));
    }

    EntryOut mkdir(InHeader h, long parent, MkdirIn in) {
        return counted(writable().mkdir(Credentials.of(h), parent, in.name(), in.mode() & 07777, umask(in.umask())));
    }

    EntryOut symlink(InHeader h, long parent, SymlinkIn in) {
        return counted(writable().symlink(Credentials.of(h), parent, in.name(), in.target()));
    }

    EntryOut link(InHeader h, long newParent, LinkIn in) {
        return counted(writable().link(Credentials.of(h), NodeIds.toIno(in.oldNodeId()), newParent, in.newName()));
    }

    void unlink(InHeader h, long parent, byte[] name) {
        writable().unlink(Credentials.of(h), parent, name);
    }

    void rmdir(InHeader h, long parent, byte[] name) {
        writable().rmdir(Credentials.of(h), parent, name);
    }

    void rename(InHeader h, long parent, RenameIn in) {
        writable().rename(Credentials.of(h), parent, in.oldName(), NodeIds.toIno(in.newDir()), in.newName(), in.flags());
    }

    CreateOut create(InHeader h, long parent, CreateIn in) {
        WritableFileSystem.Created created = writable().create(Credentials.of(h), parent, in.name(), in.mode() & 07777,
                umask(in.umask()), in.flags());
        return new CreateOut(counted(created.attributes()), new OpenOut(created.handle(), OpenOut.FOPEN_KEEP_CACHE, 0));
    }

    CreateOut tmpfile(InHeader h, long parent, CreateIn in) {
        // The open(2) flags carry O_TMPFILE and O_DIRECTORY too; the core wants the access mode,
        // O_EXCL (not linkable later) and O_APPEND.
        int flags = in.flags() & (WritableFileSystem.O_ACCMODE | WritableFileSystem.O_EXCL | WritableFileSystem.O_APPEND);
        WritableFileSystem.Created created = writable().tmpfile(Credentials.of(h), parent, in.mode() & 07777,
                umask(in.umask()), flags);
        return new CreateOut(counted(created.attributes()), new OpenOut(created.handle(), OpenOut.FOPEN_KEEP_CACHE, 0));
    }

    WriteOut write(InHeader h, long ino, WriteIn in) {
        int n = writable().write(Credentials.of(h), ino, in.fh(), in.offset(), in.data(), 0, in.length());
        return new WriteOut(n);
    }

    void setxattr(InHeader h, long ino, SetxattrIn in) {
        // FUSE_SETXATTR_ACL_KILL_SGID needs nothing more: the core clears setgid by the caller's groups.
        writable().setxattr(Credentials.of(h), ino, in.name(), in.value(), in.flags());
    }

    void removexattr(InHeader h, long ino, String name) {
        writable().removexattr(Credentials.of(h), ino, name);
    }

    void fallocate(InHeader h, long ino, FallocateIn in) {
        writable().fallocate(Credentials.of(h), ino, in.fh(), in.mode(), in.offset(), in.length());
    }

    /**
     * copy_file_range through the core: reads from the source handle and writes through the
     * destination handle in 1 MiB rounds until the length is copied or the source ends.
     */
    OutStruct copyFileRange(InHeader h, long ino, CopyFileRangeIn in, boolean wide) {
        WritableFileSystem w = writable();
        if (in.flags() != 0) {
            throw new FuseDispatcher.ProtocolError(Errno.EINVAL.code());
        }
        if (in.len() < 0 || in.offIn() < 0 || in.offOut() < 0) {
            throw new FuseDispatcher.ProtocolError(Errno.EINVAL.code());
        }
        Caller caller = Credentials.of(h);
        long outIno = NodeIds.toIno(in.nodeIdOut());
        long want = wide ? in.len() : Math.min(in.len(), COPY_32_LIMIT);
        byte[] buffer = new byte[(int) Math.min(COPY_CHUNK, Math.max(1, want))];
        long done = 0;
        while (done < want) {
            int n = w.read(ino, in.fhIn(), in.offIn() + done, buffer, 0, (int) Math.min(buffer.length, want - done));
            if (n <= 0) {
                break;
            }
            int written = 0;
            while (written < n) {
                int m = w.write(caller, outIno, in.fhOut(), in.offOut() + done + written, buffer, written, n - written);
                if (m <= 0) {
                    break;
                }
                written += m;
            }
            done += written;
            if (written < n) {
                break;
            }
        }
        return wide ? new CopyFileRangeOut(done) : new WriteOut((int) done);
    }

    void fsync(long ino, long fh, boolean datasync) {
        if (!fs.isReadOnly()) {
            fs.writable().ifPresent(w -> w.fsync(ino, fh, datasync));
        }
    }

    void syncfs() {
        if (!fs.isReadOnly()) {
            fs.writable().ifPresent(WritableFileSystem::syncfs);
        }
    }

    private EntryOut counted(Attributes a) {
        EntryOut entry = AttributeReplies.entry(a, options);
        lookups.increment(entry.nodeId());
        return entry;
    }

    /**
     * The umask for the core to apply: the request's with FUSE_DONT_MASK (the kernel left the
     * umask to us, so that a parent's default ACL can take its place), else 0 (the kernel
     * applied it already).
     */
    private int umask(int requestUmask) {
        return has(InitFlags.DONT_MASK) ? requestUmask & 0777 : 0;
    }
}
