package org.ext4j.core.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ManualClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random operation sequences on writable copies of the mkfs -d images: each operation's errno and
 * attributes from ext4j must equal the model's, and at the end e2fsck -fn must pass and the whole
 * image as debugfs reads it must equal the model. Operations ext4j answers with ENOSYS are
 * skipped and counted in the printed summary. {@code -Dext4j.seed=N} replays a run; the seed is
 * in every failure message.
 */
class RandomOperationsTest {
    private static final long BASE_SEED = Long.getLong("ext4j.seed", 20240301L);
    private static final int OPERATIONS = Integer.getInteger("ext4j.ops", 1000);
    private static final EnumSet<Variant> VARIANTS = EnumSet.of(Variant.EXT4, Variant.EXT4_1K, Variant.EXT4_INODE_128,
            Variant.EXT4_NO_CSUM, Variant.EXT4_NO_64BIT, Variant.EXT4_INLINE_DATA, Variant.EXT3, Variant.EXT2);

    @TempDir
    Path dir;

    @BeforeAll
    static void buildImages() {
        ImageFactory.shared().prefetch(VARIANTS);
    }

    @ParameterizedTest
    @EnumSource(value = Variant.class, names = {"EXT4", "EXT4_1K", "EXT4_INODE_128", "EXT4_NO_CSUM", "EXT4_NO_64BIT",
        "EXT4_INLINE_DATA", "EXT3", "EXT2"})
    void everyOperationAgreesWithTheModel(Variant variant) throws Exception {
        long seed = BASE_SEED + variant.ordinal();
        Path image = ImageFactory.shared().copyOf(variant, dir);
        ManualClock clock = new ManualClock(Instant.parse("2024-03-01T12:00:00Z"));
        OpRunner runner;
        ModelFileSystem model;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(image, false), OpenOptions.READ_WRITE)) {
            model = ImageModel.load(image, limits(fs, variant), clock);
            PosixFileSystem volume = PosixFileSystem.of(fs, clock);
            runner = new OpRunner(seed, model, volume, clock, false);
            runner.run(mix(), OPERATIONS);
        }
        String summary = runner.summary();
        ImageFactory.requireClean(image);
        ModelFileSystem onImage = ImageModel.load(image, model.limits(), clock);
        List<String> differences = ImageModel.diff(model, onImage, false);
        assertTrue(differences.isEmpty(), "seed " + seed + " on " + variant + ": the image differs from the model:\n  "
                + String.join("\n  ", differences.subList(0, Math.min(40, differences.size()))));
        assertTrue(runner.compared() > OPERATIONS / 10, "too few operations were compared: " + summary);
    }

    /** The attribute operations alone, many of them, on the plain ext4 and the 128-byte-inode images. */
    @ParameterizedTest
    @EnumSource(value = Variant.class, names = {"EXT4", "EXT4_INODE_128"})
    void attributeOperationsAgreeWithTheModel(Variant variant) throws Exception {
        long seed = BASE_SEED + 100 + variant.ordinal();
        Path image = ImageFactory.shared().copyOf(variant, dir);
        ManualClock clock = new ManualClock(Instant.parse("2024-03-01T12:00:00Z"));
        OpRunner runner;
        ModelFileSystem model;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(image, false), OpenOptions.READ_WRITE)) {
            model = ImageModel.load(image, limits(fs, variant), clock);
            runner = new OpRunner(seed, model, PosixFileSystem.of(fs, clock), clock, false);
            runner.run(OpMix.attributes(), OPERATIONS);
        }
        runner.summary();
        ImageFactory.requireClean(image);
        List<String> differences = ImageModel.diff(model, ImageModel.load(image, model.limits(), clock), false);
        assertTrue(differences.isEmpty(), "seed " + seed + " on " + variant + ": the image differs from the model:\n  "
                + String.join("\n  ", differences.subList(0, Math.min(40, differences.size()))));
        assertTrue(runner.skippedCount() < OPERATIONS / 20, "attribute operations should not be skipped");
    }

    /** Every operation: those ext4j cannot do yet show up as skipped in the summary. */
    static OpMix mix() {
        return OpMix.all();
    }

    /** What the model must know of an image, read from its superblock. */
    static ModelFileSystem.Limits limits(Ext4FileSystem fs, Variant variant) {
        Superblock sb = fs.superblock();
        boolean extents = sb.hasIncompat(Features.INCOMPAT_EXTENTS);
        long bs = fs.blockSize();
        long maxBytes = extents ? ((1L << 32) - 1) * bs : 1L << 40;
        return new ModelFileSystem.Limits(fs.blockSize(), sb.inodeSize() > 128,
                sb.hasRoCompat(Features.RO_COMPAT_DIR_NLINK), sb.hasCompat(Features.COMPAT_HAS_JOURNAL), maxBytes, extents);
    }
}
