package org.ext4j.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.ext4j.core.testing.ServingMounter;
import org.ext4j.core.testing.Tools;

// The mount parity suite every backend runs: MountedOps' random sequence on a kernel loop mount and on the backend's mount, answer by answer.
/**
 * The core's random operation sequence, as system calls by root and by unprivileged users, on a
 * kernel loop mount and on an ext4j mount of identical images: both images must end clean and
 * equal to the model that judged every step, and the two mounts must answer every operation the
 * same (result or errno). The ext4j mount ends as a user ends it, with umount(8) from outside.
 *
 * <p>A backend starts from every operation FUSE forwards ({@link MountedOps#everyOperationFuseForwards})
 * and names what it leaves out, each with the reason; those are printed as NOT compared, so that
 * a partial pass shows. {@code -Dext4j.mountOps=N} and {@code -Dext4j.seed=S} vary the run. Lives
 * beside {@link MountedOps}, which it drives, rather than in the testing package, which the
 * operations package already imports.
 */
public final class MountParitySuite {
    private final String backend;
    private final ServingMounter mounter;
    private OpMix mix = MountedOps.everyOperationFuseForwards();
    private final List<String> leftOut = new ArrayList<>();

    private MountParitySuite(String backend, ServingMounter mounter) {
        this.backend = backend;
        this.mounter = mounter;
    }

    /** The suite for {@code backend} (as messages name it: "the fuse3 mount") mounting read-write through {@code mounter}. */
    public static MountParitySuite of(String backend, ServingMounter mounter) {
        return new MountParitySuite(backend, mounter);
    }

    /** Leaves {@code kind} out of the sequence on both sides, because {@code why}. */
    public MountParitySuite leavingOut(OpKind kind, String why) {
        mix = mix.with(kind, 0);
        leftOut.add(kind + " (" + why + ")");
        return this;
    }

    /** Draws renames with only the {@code allowed} RENAME_* flags, because {@code why}. */
    public MountParitySuite withRenameFlags(int allowed, String why) {
        mix = mix.withRenameFlags(allowed);
        leftOut.add("rename flags beyond 0x" + Integer.toHexString(allowed) + " (" + why + ")");
        return this;
    }

    /**
     * Runs {@code ext4j.mountOps} operations (300) from seed {@code ext4j.seed} ({@code defaultSeed})
     * in fresh subdirectories of {@code workDir} and fails on the first disagreement.
     */
    public void run(Path workDir, long defaultSeed) throws Exception {
        long seed = Long.getLong("ext4j.seed", defaultSeed);
        int operations = Integer.getInteger("ext4j.mountOps", 300);
        if (!leftOut.isEmpty()) {
            System.out.println("mount parity, " + backend + ": left out, NOT compared: " + String.join("; ", leftOut));
        }
        // Unprivileged callers must be able to walk to the mount points (JUnit makes its directory 0700).
        Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path kernelImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(workDir.resolve("k")));
        Path ext4jImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(workDir.resolve("j")));

        MountedOps.Result kernel = MountedOps.run(kernelImage, workDir.resolve("kmnt"),
                (img, mnt) -> Tools.runOk(List.of("mount", "-t", "ext4", "-o", "loop", img.toString(), mnt.toString())),
                (img, mnt) -> Tools.runOk(List.of("umount", mnt.toString())), mix, seed, operations);

        ServingMounter.Served[] served = new ServingMounter.Served[1];
        MountedOps.Result ext4j = MountedOps.run(ext4jImage, workDir.resolve("jmnt"),
                (img, mnt) -> served[0] = mounter.mount(img, mnt),
                (img, mnt) -> {
                    // From outside, as a user would: the loop ends and the mount closes the volume.
                    Tools.runOk(List.of("umount", mnt.toString()));
                    served[0].awaitEnd();
                }, mix, seed, operations);

        assertEquals(kernel.skipped(), ext4j.skipped(), "both sides draw the same sequence");
        assertEquals(kernel.outcomes(), ext4j.outcomes(), "seed " + seed + ": " + backend + " and the kernel answered differently");
        assertTrue(ext4j.compared() > operations / 3, "too few operations reached the mount: " + ext4j.compared());
    }
}
