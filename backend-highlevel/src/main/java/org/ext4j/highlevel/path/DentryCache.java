package org.ext4j.highlevel.path;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;

/**
 * Paths to inode numbers for a path-based FUSE API, without walking the directory tree per call.
 *
 * <p>Two levels: a whole-path index (the string libfuse hands over, to an inode) answers most
 * requests with one hash lookup; below it, one entry per (parent inode, name), filled by the
 * core's lookup, resolves a path name by name when the index misses. Each inode that some entry
 * names is retained in the core ({@link InodeFileSystem#retain}) as long as an entry names it,
 * as the Linux backend does for the kernel's lookups, so a cached number can never name an inode
 * that was freed and handed out again.
 *
 * <p>Namespace changes made through this backend keep it exact: the caller {@link #drop}s the
 * names it is about to remove or replace, under the {@link #lock} of their parent, before the
 * core changes anything, so an unlinked inode is never held here (the core frees it at once, or
 * at the last release of an open handle). Every removal also advances a generation that
 * invalidates the whole-path index, because a path may go through a renamed or removed
 * directory; entries made before that are ignored rather than searched for.
 *
 * <p>A name not stored as given is looked up again in the other spellings its {@link NamePolicy}
 * lists, and cached under the spelling asked for; dropping a name drops every spelling of it.
 */
public final class DentryCache {
    /** Above this many names, half are let go (the core is told to forget them). */
    static final int DEFAULT_CAPACITY = 1 << 16;
    private static final int STRIPES = 64;

    private final InodeFileSystem fs;
    private final NamePolicy names;
    private final int capacity;
    private final ConcurrentHashMap<Key, Long> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Integer> references = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Indexed> index = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    public DentryCache(InodeFileSystem fs) {
        this(fs, NamePolicy.EXACT, DEFAULT_CAPACITY);
    }

    public DentryCache(InodeFileSystem fs, NamePolicy names) {
        this(fs, names, DEFAULT_CAPACITY);
    }

    DentryCache(InodeFileSystem fs, int capacity) {
        this(fs, NamePolicy.EXACT, capacity);
    }

    DentryCache(InodeFileSystem fs, NamePolicy names, int capacity) {
        this.fs = fs;
        this.names = names;
        this.capacity = capacity;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** A name in a directory; names are bytes, kept as ISO-8859-1 strings (one char per byte). */
    private record Key(long parent, String name) {
    }

    private record Indexed(long ino, long generation) {
    }

    /**
     * The inode {@code path} names ("/" is the root). A component the cache does not know is
     * looked up in the core as {@code caller} (search permission on its parent).
     *
     * @throws Ext4Exception ENOENT, ENOTDIR, EACCES, ENAMETOOLONG as the core's lookup says
     */
    public long resolve(Caller caller, byte[] path) {
        String key = new String(path, StandardCharsets.ISO_8859_1);
        long gen = generation.get();
        Indexed hit = index.get(key);
        if (hit != null && hit.generation == gen) {
            return hit.ino;
        }
        long ino = InodeFileSystem.ROOT_INO;
        int start = 1;
        while (start < path.length) {
            int end = start;
            while (end < path.length && path[end] != '/') {
                end++;
            }
            if (end > start) {
                ino = child(caller, ino, key.substring(start, end));
            }
            start = end + 1;
        }
        if (index.size() >= capacity) {
            // Stale generations and paths walked once pile up here: start over rather than grow.
            index.clear();
        }
        index.put(key, new Indexed(ino, gen));
        return ino;
    }

    /** The parent directory of {@code path} (resolved) and its last name, for calls that name an entry. */
    public Entry parentOf(Caller caller, byte[] path) {
        int slash = path.length - 1;
        while (slash > 0 && path[slash] != '/') {
            slash--;
        }
        if (slash < 0 || path.length == 0 || path[0] != '/' || slash == path.length - 1) {
            throw new Ext4Exception(Errno.EINVAL, "not an absolute path to a name: "
                    + new String(path, StandardCharsets.UTF_8));
        }
        byte[] dir = slash == 0 ? new byte[] {'/'} : java.util.Arrays.copyOf(path, slash);
        byte[] name = java.util.Arrays.copyOfRange(path, slash + 1, path.length);
        return new Entry(resolve(caller, dir), name);
    }

    /** A directory entry as a parent inode and a name. */
    public record Entry(long parent, byte[] name) {
    }

    /** The lock that orders cache fills and namespace changes in directory {@code parent}. */
    public ReentrantLock lock(long parent) {
        return stripes[Long.hashCode(parent * 0x9E3779B97F4A7C15L) & (STRIPES - 1)];
    }

    /**
     * Forgets {@code name} in {@code parent} before the caller removes or replaces it (hold
     * {@link #lock} of the parent). The inode is released in the core when no other name here
     * holds it.
     */
    public void drop(long parent, byte[] name) {
        generation.incrementAndGet();
        forgetName(parent, name);
        for (byte[] other : names.alternatives(name)) {
            forgetName(parent, other);
        }
    }

    private void forgetName(long parent, byte[] name) {
        Long ino = entries.remove(new Key(parent, new String(name, StandardCharsets.ISO_8859_1)));
        if (ino != null) {
            release(ino);
        }
    }

    /**
     * The spelling under which {@code name} is stored in {@code parent}: {@code name} itself, one
     * of its {@link NamePolicy#alternatives}, or null when none exists. Asks the core (as
     * {@code caller}) only when the policy knows other spellings.
     */
    public byte[] storedName(Caller caller, long parent, byte[] name) {
        List<byte[]> others = names.alternatives(name);
        if (others.isEmpty()) {
            return name;
        }
        if (exists(caller, parent, name)) {
            return name;
        }
        for (byte[] other : others) {
            if (exists(caller, parent, other)) {
                return other;
            }
        }
        return null;
    }

    /**
     * The shortest spelling of {@code name}: what to ask the core about a name none of whose
     * spellings exists, so that its answer is ENOENT rather than ENAMETOOLONG when one spelling fits.
     */
    public byte[] shortestSpelling(byte[] name) {
        byte[] best = name;
        for (byte[] other : names.alternatives(name)) {
            if (other.length < best.length) {
                best = other;
            }
        }
        return best;
    }

    /**
     * The bytes to name an entry {@code name} in {@code parent} with (to create, replace or link
     * to it): the spelling stored when another spelling of it exists, else the policy's for a new
     * entry, which may refuse the name.
     */
    public byte[] nameForEntry(Caller caller, long parent, byte[] name) {
        if (names.alternatives(name).isEmpty()) {
            // One spelling only: the policy decides (it may refuse the name) without a lookup.
            return names.forNewEntry(name);
        }
        byte[] stored = storedName(caller, parent, name);
        return stored != null ? stored : names.forNewEntry(name);
    }

    private boolean exists(Caller caller, long parent, byte[] name) {
        try {
            fs.lookup(caller, parent, name);
            return true;
        } catch (Ext4Exception e) {
            if (absent(e)) {
                return false;
            }
            throw e;
        }
    }

    /** Forgets every path (after a change that moved whole subtrees, such as a directory rename). */
    public void invalidatePaths() {
        generation.incrementAndGet();
        index.clear();
    }

    /** Lets everything go (at unmount): every retained inode is forgotten. */
    public void clear() {
        generation.incrementAndGet();
        index.clear();
        for (Key k : entries.keySet()) {
            Long ino = entries.remove(k);
            if (ino != null) {
                release(ino);
            }
        }
    }

    /** Names held (for tests). */
    int size() {
        return entries.size();
    }

    /** Whole paths indexed (for tests). */
    int indexSize() {
        return index.size();
    }

    /** How many names hold {@code ino} (for tests). */
    int references(long ino) {
        return references.getOrDefault(ino, 0);
    }

    private long child(Caller caller, long parent, String name) {
        Key key = new Key(parent, name);
        Long cached = entries.get(key);
        if (cached != null) {
            return cached;
        }
        ReentrantLock lock = lock(parent);
        long ino;
        lock.lock();
        try {
            cached = entries.get(key);
            if (cached != null) {
                return cached;
            }
            Attributes a = lookupAnySpelling(caller, parent, name.getBytes(StandardCharsets.ISO_8859_1));
            hold(a.ino());
            entries.put(key, a.ino());
            ino = a.ino();
        } finally {
            lock.unlock();
        }
        if (entries.size() > capacity) {
            shrink();
        }
        return ino;
    }

    /**
     * The core's lookup of {@code name}, then of its other spellings while the answer is ENOENT
     * or ENAMETOOLONG (a spelling may be longer than the stored one: é is two bytes composed and
     * three decomposed). Without an entry the answer is ENOENT when some spelling could have
     * named one, ENAMETOOLONG when none could.
     */
    private Attributes lookupAnySpelling(Caller caller, long parent, byte[] name) {
        Ext4Exception first;
        try {
            return fs.lookup(caller, parent, name);
        } catch (Ext4Exception e) {
            if (!absent(e)) {
                throw e;
            }
            first = e;
        }
        Ext4Exception notFound = first.errno() == Errno.ENOENT ? first : null;
        for (byte[] other : names.alternatives(name)) {
            try {
                return fs.lookup(caller, parent, other);
            } catch (Ext4Exception e) {
                if (!absent(e)) {
                    throw e;
                }
                if (notFound == null && e.errno() == Errno.ENOENT) {
                    notFound = e;
                }
            }
        }
        throw notFound != null ? notFound : first;
    }

    /** The answer of a lookup that found nothing under that spelling. */
    private static boolean absent(Ext4Exception e) {
        return e.errno() == Errno.ENOENT || e.errno() == Errno.ENAMETOOLONG;
    }

    /** One more name holds {@code ino}; the first retains it in the core (atomically with the count). */
    private void hold(long ino) {
        references.compute(ino, (k, n) -> {
            if (n == null) {
                fs.retain(ino);
                return 1;
            }
            return n + 1;
        });
    }

    /** One name fewer holds {@code ino}; the last forgets it in the core. */
    private void release(long ino) {
        references.computeIfPresent(ino, (k, n) -> {
            if (n > 1) {
                return n - 1;
            }
            fs.forget(ino);
            return null;
        });
    }

    /** Lets half of the names go, each under its parent's lock so no fill or change interleaves. */
    private void shrink() {
        generation.incrementAndGet();
        index.clear();
        int target = capacity / 2;
        for (Key k : entries.keySet()) {
            if (entries.size() <= target) {
                break;
            }
            ReentrantLock lock = lock(k.parent);
            lock.lock();
            try {
                Long ino = entries.remove(k);
                if (ino != null) {
                    release(ino);
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
