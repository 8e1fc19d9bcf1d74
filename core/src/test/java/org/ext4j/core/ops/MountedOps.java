package org.ext4j.core.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ImageFactory.Variant;

/**
 * Runs a seeded operation sequence as system calls (python3, as root and as unprivileged users
 * through setpriv) on whatever mounts an image at a directory — the kernel's ext4 or a FUSE
 * server — and checks the image afterwards: e2fsck clean, and equal to the model that judged
 * every step. Shared by the kernel parity test and the backends' mount parity tests, so that
 * both run exactly the same sequence.
 */
public final class MountedOps {
    /** Mounts or unmounts the image at the mount point. */
    public interface Step {
        void run(Path image, Path mountpoint) throws Exception;
    }

    /**
     * What a run answered, operation by operation ("ok" or the errno), which operations the
     * system-call side could not express (to be skipped on any side it is compared with) and how
     * many reached the filesystem.
     */
    public record Result(List<String> outcomes, List<Integer> skipped, int compared) {
    }

    private MountedOps() {
    }

    /** The every-operation mix with the kernel's own timestamps (what a mount can be compared on). */
    public static OpMix everyOperation() {
        return OpMix.all().withKernelTimes();
    }

    /**
     * {@link #everyOperation()} without COLLAPSE_RANGE and INSERT_RANGE, which the kernel's FUSE
     * client refuses itself (EOPNOTSUPP from fuse_file_fallocate: it forwards only KEEP_SIZE,
     * PUNCH_HOLE and ZERO_RANGE), so no FUSE server can be compared on them.
     */
    public static OpMix everyOperationFuseForwards() {
        return everyOperation().with(OpKind.COLLAPSE_RANGE, 0).with(OpKind.INSERT_RANGE, 0);
    }

    /**
     * Mounts {@code image} (a copy of {@link Variant#EXT4}) on {@code mountpoint}, runs
     * {@code operations} operations of {@code mix} drawn from {@code seed}, unmounts, and asserts
     * that the image is clean and equals the model.
     */
    public static Result run(Path image, Path mountpoint, Step mount, Step unmount, OpMix mix, long seed, int operations)
            throws Exception {
        return run(image, mountpoint, mount, unmount, seed, runner -> runner.run(mix, operations));
    }

    /** {@link #run(Path, Path, Step, Step, OpMix, long, int)} with a fixed sequence of operations (see {@link OpRunner#run(List)}). */
    static Result run(Path image, Path mountpoint, Step mount, Step unmount, List<Function<ModelFileSystem, Op>> script)
            throws Exception {
        return run(image, mountpoint, mount, unmount, 0, runner -> runner.run(script));
    }

    private static Result run(Path image, Path mountpoint, Step mount, Step unmount, long seed, Consumer<OpRunner> drive)
            throws Exception {
        ModelFileSystem.Limits limits;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(image, true), OpenOptions.READ_ONLY)) {
            limits = RandomOperationsTest.limits(fs, Variant.EXT4);
        }
        ModelFileSystem model = ImageModel.load(image, limits, Clock.systemUTC());
        Files.createDirectories(mountpoint);
        OpRunner runner = new OpRunner(seed, model, new KernelTarget(mountpoint, model), null, true);
        mount.run(image, mountpoint);
        try {
            drive.accept(runner);
        } finally {
            unmount.run(image, mountpoint);
        }
        runner.summary();
        ImageFactory.requireClean(image);
        List<String> diff = ImageModel.diff(model, ImageModel.load(image, limits, Clock.systemUTC()), true);
        assertTrue(diff.isEmpty(), "seed " + seed + ": the image differs from the model:\n  "
                + String.join("\n  ", diff.subList(0, Math.min(40, diff.size()))));
        return new Result(runner.outcomes(), runner.skippedIndices(), runner.compared());
    }
}
