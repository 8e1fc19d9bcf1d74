package org.ext4j.highlevel.bind;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.mapper.FunctionMapper;
import org.ext4j.highlevel.abi.EntryPoints;
import org.ext4j.highlevel.abi.LibfuseAbi;
import org.ext4j.highlevel.abi.LibfuseDialect;
import org.ext4j.highlevel.abi.Platform;

/**
 * A loaded libfuse3: the bound entry points, its version and the structure layouts for that
 * version. Found by the platform's names, newest ABI first (libfuse3.so.4 is 3.17+, libfuse3.so.3
 * is 3.0-3.16) or absolute paths (macFUSE's dylib); a missing or too old library is one line that
 * names what to install.
 */
public final class LibfuseLibrary {
    private final LibFuse fuse;
    private final Runtime runtime;
    private final LibfuseAbi abi;
    private final String soname;
    private final int versionFlags;
    private final EntryPoints entryPoints;

    private LibfuseLibrary(LibFuse fuse, String soname, LibfuseDialect dialect) {
        this.fuse = fuse;
        this.runtime = Runtime.getRuntime(fuse);
        this.soname = soname;
        this.versionFlags = dialect.versionFlags();
        this.entryPoints = dialect.entryPoints();
        this.abi = LibfuseAbi.forVersion(entryPoints.libfuseVersion(fuse.fuse_version()));
    }

    /**
     * Loads the first of the platform's libfuse3 names that exists and is at least 3.2.
     *
     * @throws IOException one line: which names were tried and what to install
     */
    public static LibfuseLibrary load(Platform platform) throws IOException {
        List<String> failures = new ArrayList<>();
        EntryPoints entryPoints = platform.dialect().entryPoints();
        FunctionMapper symbols = (function, context) -> entryPoints.symbol(function);
        for (String name : platform.libraries()) {
            LibFuse lib;
            if (isPath(name) && !new java.io.File(name).isFile()) {
                failures.add(name + " (no such file)");
                continue;
            }
            try {
                lib = LibraryLoader.create(LibFuse.class).mapper(symbols).failImmediately().load(name);
            } catch (LinkageError | RuntimeException e) {
                failures.add(name + " (not found)");
                continue;
            }
            LibfuseLibrary loaded = new LibfuseLibrary(lib, name, platform.dialect());
            if (loaded.abi.version() < LibfuseAbi.MIN_VERSION) {
                failures.add(name + " (version " + loaded.versionString() + ", older than 3.2)");
                continue;
            }
            return loaded;
        }
        throw new IOException("no usable libfuse3 (" + String.join(", ", failures) + "): " + platform.installHint());
    }

    /** An absolute path (/usr/local/lib/..., or C:/ and C:\ on Windows) rather than a name to search for. */
    private static boolean isPath(String name) {
        return name.startsWith("/") || name.length() > 2 && name.charAt(1) == ':' && (name.charAt(2) == '\\'
                || name.charAt(2) == '/');
    }

    /** True when {@code fuse_exit} ends the mount itself (WinFsp), so that no unmount command is run. */
    public boolean exitUnmounts() {
        return entryPoints.exitUnmounts();
    }

    public LibFuse fuse() {
        return fuse;
    }

    /**
     * True when the library exports {@code fuse_invalidate_path} (libfuse3 from 3.0; a port may
     * lack it). Asked of the dynamic linker: jnr-ffi binds a missing function only when called.
     */
    public boolean canInvalidatePaths() {
        com.kenai.jffi.Library lib = com.kenai.jffi.Library.getCachedInstance(soname,
                com.kenai.jffi.Library.LAZY | com.kenai.jffi.Library.LOCAL);
        return lib != null && lib.getSymbolAddress("fuse_invalidate_path") != 0;
    }

    public Runtime runtime() {
        return runtime;
    }

    public LibfuseAbi abi() {
        return abi;
    }

    public String soname() {
        return soname;
    }

    /** "3.14" for fuse_version() 314. */
    public String versionString() {
        return abi.version() / 100 + "." + abi.version() % 100;
    }

    /**
     * fuse_new for this version: {@code _fuse_new_31} with a struct libfuse_version
     * (major, minor, hotfix, and a last word of padding or, in macFUSE, flags: four uint32) from
     * 3.17 and in every dialect with flags, {@code fuse_new_31} before. The version handed over
     * is the ABI this binding was written for, the one the layouts of {@link LibfuseAbi} describe.
     */
    Pointer newFuse(Pointer args, Pointer operations, long operationsSize) {
        if (abi.versionedNew() || versionFlags != 0) {
            Pointer version = Memory.allocateDirect(runtime, 16, true);
            version.putInt(0, 3);
            version.putInt(4, abi.minor());
            version.putInt(8, 0);
            version.putInt(12, versionFlags);
            return fuse._fuse_new_31(args, operations, operationsSize, version, null);
        }
        return fuse.fuse_new_31(args, operations, operationsSize, null);
    }

    /**
     * Runs the multi-threaded loop until the session ends, with the entry point of this
     * version: a fuse_loop_config object from 3.12, the two-int struct fuse_loop_config of
     * 3.2-3.11, the clone_fd int of 3.0-3.1 (refused at load, but the only one WinFsp exports).
     * No clone_fd: one /dev/fuse fd.
     */
    int loop(Pointer fuseHandle, int maxThreads) {
        if (entryPoints.loopWithCloneFd()) {
            // The library sizes its own dispatcher (WinFsp: ThreadCount=, by default the CPUs).
            return fuse.fuse_loop_mt_31(fuseHandle, 0);
        }
        if (abi.version() >= 312) {
            Pointer config = fuse.fuse_loop_cfg_create();
            try {
                fuse.fuse_loop_cfg_set_clone_fd(config, 0);
                fuse.fuse_loop_cfg_set_max_threads(config, maxThreads);
                return fuse.fuse_loop_mt_312(fuseHandle, config);
            } finally {
                fuse.fuse_loop_cfg_destroy(config);
            }
        }
        // struct fuse_loop_config { int clone_fd; unsigned max_idle_threads; }
        Pointer config = Memory.allocateDirect(runtime, 8, true);
        config.putInt(0, 0);
        config.putInt(4, maxThreads);
        return fuse.fuse_loop_mt_32(fuseHandle, config);
    }
}
