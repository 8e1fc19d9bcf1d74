package org.ext4j.core.backend;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import org.ext4j.core.fs.AtimeMode;
import org.ext4j.core.view.FsErrors;

/**
 * Reads mount options the way mount(8) writes them ({@code ro,allow_other,uid=1000,commit=30}):
 * each option validated, an unknown one refused with a message that names it. The options fstab
 * and mount(8) add for every filesystem (defaults, auto, noauto, nofail, _netdev, x-*, comment=)
 * are accepted and mean nothing to the server. Given a {@link Backend}, an option of the
 * vocabulary that backend cannot honour is refused by name as well, never silently dropped.
 */
public final class MountOptionParser {
    /** The largest commit= the kernel's ext4 takes (INT_MAX / HZ at HZ=1000, in seconds). */
    static final long MAX_COMMIT_SECONDS = Integer.MAX_VALUE / 1000;

    private MountOptionParser() {
    }

    /**
     * Applies {@code options} (each may itself be a comma-separated list, as after {@code -o}) to
     * {@code base}, left to right: a later option wins ({@code ro,rw} is read-write).
     *
     * @throws IllegalArgumentException naming the first option that is unknown or has a bad value
     */
    public static MountOptions parse(MountOptions base, List<String> options) {
        return parse(base, options, null);
    }

    /**
     * {@link #parse(MountOptions, List)} for a mount through {@code backend}: an option it
     * cannot honour is refused with its name, the backend's and the reason.
     *
     * @throws IllegalArgumentException naming the first option that is unknown, has a bad value,
     *         or that {@code backend} refuses
     */
    public static MountOptions parse(MountOptions base, List<String> options, Backend backend) {
        MountOptions opts = base;
        for (String list : options) {
            for (String option : list.split(",", -1)) {
                if (!option.isEmpty()) {
                    if (backend != null) {
                        refuseIfUnsupported(backend, option);
                    }
                    opts = apply(opts, option);
                }
            }
        }
        return opts;
    }

    private static void refuseIfUnsupported(Backend backend, String option) {
        String name = option.indexOf('=') < 0 ? option : option.substring(0, option.indexOf('='));
        for (MountOption known : MountOption.values()) {
            if (known.optionName().equals(name)) {
                Optional<String> why = backend.refusal(known);
                if (why.isPresent()) {
                    throw new IllegalArgumentException("mount option '" + option + "' is not supported by the "
                            + backend.name() + " backend: " + why.get());
                }
                return;
            }
        }
    }

    private static MountOptions apply(MountOptions opts, String option) {
        int eq = option.indexOf('=');
        String name = eq < 0 ? option : option.substring(0, eq);
        String value = eq < 0 ? null : option.substring(eq + 1);
        if (name.startsWith("x-")) {
            return opts;
        }
        switch (name) {
            case "ro":
                return flag(opts.withReadOnly(true), option, value);
            case "rw":
                return flag(opts.withReadOnly(false), option, value);
            case "allow_other":
                return flag(opts.withAllowOther(true), option, value);
            case "nonempty":
                return flag(opts.withAllowNonEmpty(true), option, value);
            case "noexec":
                return flag(opts.withNoExec(true), option, value);
            case "exec":
                return flag(opts.withNoExec(false), option, value);
            case "noatime":
                return flag(opts.withAtime(AtimeMode.NOATIME), option, value);
            case "relatime", "atime":
                // "atime" clears noatime, which leaves the kernel's default: relatime.
                return flag(opts.withAtime(AtimeMode.RELATIME), option, value);
            case "strictatime":
                return flag(opts.withAtime(AtimeMode.STRICTATIME), option, value);
            case "nodiratime":
                return flag(opts.withNoDirAtime(true), option, value);
            case "diratime":
                return flag(opts.withNoDirAtime(false), option, value);
            case "default_permissions", "nosuid", "nodev", "defaults", "auto", "noauto", "nofail", "_netdev", "async":
                // Always so (the kernel checks permissions; FUSE mounts are nosuid,nodev), or fstab's business.
                return flag(opts, option, value);
            case "comment":
                return opts;
            case "fsname":
                if (value == null || value.isEmpty()) {
                    throw new IllegalArgumentException("mount option '" + option + "' needs a name: fsname=NAME");
                }
                return opts.withFsName(value);
            case "uid":
                return opts.withOwnerUid(OptionalLong.of(id(option, value)));
            case "gid":
                return opts.withOwnerGid(OptionalLong.of(id(option, value)));
            case "commit":
                return opts.withCommitInterval(commit(option, value));
            case "errors":
                return opts.withErrors(errors(option, value));
            case "io_uring":
                return opts.withIoUring(ioUring(option, value));
            case "suid", "dev":
                throw new IllegalArgumentException("mount option '" + option
                        + "' is not supported: ext4j mounts are always nosuid,nodev");
            default:
                throw new IllegalArgumentException("unknown mount option '" + option + "'");
        }
    }

    /**
     * The options of {@code mount -o remount,...}, applied to the options the mount has: mount(8)
     * hands a helper the options of the live mount, the kernel's FUSE ones included
     * ({@code ro,nosuid,nodev,relatime,remount,user_id=0,group_id=0,default_permissions}), plus the
     * user's. Those that restate the mount are accepted; only ro and rw may change, because the
     * others are settled when the server starts.
     *
     * @throws IllegalArgumentException naming the first option that is unknown, has a bad value, or
     *         would change something other than ro/rw
     */
    public static MountOptions parseRemount(MountOptions current, List<String> options) {
        MountOptions opts = current;
        for (String list : options) {
            for (String option : list.split(",", -1)) {
                String name = option.indexOf('=') < 0 ? option : option.substring(0, option.indexOf('='));
                if (option.isEmpty() || KERNEL_SET.contains(name)) {
                    continue;
                }
                MountOptions next = apply(opts, option);
                if (!next.withReadOnly(opts.readOnly()).equals(opts)) {
                    throw new IllegalArgumentException("mount option '" + option
                            + "' cannot change on remount (only ro and rw can)");
                }
                opts = next;
            }
        }
        return opts;
    }

    /** What mount(8) repeats from the live mount's options and the server sets itself. */
    private static final java.util.Set<String> KERNEL_SET = java.util.Set.of("remount", "user_id", "group_id",
            "rootmode", "max_read", "blksize", "fd", "subtype", "source");

    private static MountOptions flag(MountOptions opts, String option, String value) {
        if (value != null) {
            throw new IllegalArgumentException("mount option '" + option + "' takes no value");
        }
        return opts;
    }

    private static long id(String option, String value) {
        long id = number(option, value);
        if (id > MountOptions.MAX_ID) {
            throw new IllegalArgumentException("mount option '" + option + "': ids go up to " + MountOptions.MAX_ID);
        }
        return id;
    }

    /** io_uring=auto|off|on: the FUSE transport (the server's choice; the kernel never sees it). */
    private static MountOptions.IoUring ioUring(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException("mount option '" + option + "' needs a value: io_uring=auto|off|on");
        }
        return switch (value) {
            case "auto" -> MountOptions.IoUring.AUTO;
            case "off" -> MountOptions.IoUring.OFF;
            case "on" -> MountOptions.IoUring.ON;
            default -> throw new IllegalArgumentException("mount option '" + option + "': io_uring= takes auto, off or on");
        };
    }

    /** errors=continue|remount-ro|panic, as the kernel's ext4 takes it. */
    private static FsErrors.Behaviour errors(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException("mount option '" + option + "' needs a value: errors=continue|remount-ro|panic");
        }
        return switch (value) {
            case "continue" -> FsErrors.Behaviour.CONTINUE;
            case "remount-ro" -> FsErrors.Behaviour.REMOUNT_RO;
            case "panic" -> FsErrors.Behaviour.PANIC;
            default -> throw new IllegalArgumentException("mount option '" + option + "': errors= takes continue, remount-ro or panic");
        };
    }

    /** commit=N seconds; 0 means the default, as for the kernel's ext4. */
    private static Duration commit(String option, String value) {
        long seconds = number(option, value);
        if (seconds > MAX_COMMIT_SECONDS) {
            throw new IllegalArgumentException("mount option '" + option + "': at most " + MAX_COMMIT_SECONDS + " seconds");
        }
        return seconds == 0 ? org.ext4j.core.fs.OpenOptions.DEFAULT_COMMIT_INTERVAL : Duration.ofSeconds(seconds);
    }

    private static long number(String option, String value) {
        if (value == null || value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("mount option '" + option + "' needs a decimal number: "
                    + option.substring(0, option.indexOf('=') < 0 ? option.length() : option.indexOf('='))
                            .toLowerCase(Locale.ROOT) + "=N");
        }
        return Long.parseLong(value);
    }
}
