package org.ext4j.dist;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.journal.RecoveryResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j info}: the superblock summary, in the spirit of {@code dumpe2fs -h}. */
@Command(name = "info", mixinStandardHelpOptions = true,
        header = "Show the superblock summary of an ext4 image (like dumpe2fs -h).",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Prints the volume name, UUID, state, features, sizes and counts, times, journal and "
                + "checksum settings of the filesystem in IMAGE, one 'Name: value' line each, and the mode "
                + "ext4j would use it in (read-only, and why). Counts are those the superblock records."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {"  ext4j info disk.img", "  ext4j info /dev/sdb1          (as root; the device is only read)"})
public final class InfoCommand implements Callable<Integer> {
    private static final int LABEL_WIDTH = 26;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z")
            .withZone(ZoneId.systemDefault());

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "An ext4 image file or block device.")
    Path image;

    @Override
    public Integer call() throws IOException {
        try (PosixFileSystem volume = ImageOpener.open(image)) {
            PrintWriter out = spec.commandLine().getOut();
            print(out, volume);
            out.flush();
        }
        return 0;
    }

    private void print(PrintWriter out, PosixFileSystem volume) {
        Ext4FileSystem fs = volume.fileSystem();
        Superblock sb = fs.superblock();
        line(out, "Filesystem volume name", sb.volumeName().isEmpty() ? "<none>" : sb.volumeName());
        line(out, "Filesystem UUID", uuid(sb.uuid()));
        line(out, "Filesystem state", state(sb.state()));
        List<String> features = fs.featureNames();
        line(out, "Filesystem features", features.isEmpty() ? "(none)" : String.join(" ", features));
        line(out, "Block size", Integer.toString(sb.blockSize()));
        line(out, "Block count", Long.toString(sb.blocksCount()));
        line(out, "Free blocks", Long.toString(sb.freeBlocksCount()));
        line(out, "Reserved block count", Long.toString(sb.reservedBlocksCount()));
        line(out, "Inode count", Long.toString(sb.inodesCount()));
        line(out, "Free inodes", Long.toString(sb.freeInodesCount()));
        line(out, "Block groups", Long.toString(sb.groupCount()));
        line(out, "Blocks per group", Long.toString(sb.blocksPerGroup()));
        line(out, "Inodes per group", Long.toString(sb.inodesPerGroup()));
        line(out, "Inode size", Integer.toString(sb.inodeSize()));
        line(out, "First inode", Long.toString(sb.firstIno()));
        line(out, "Filesystem created", time(sb.mkfsTime()));
        line(out, "Last mount time", time(sb.mountTime()));
        line(out, "Last write time", time(sb.writeTime()));
        line(out, "Mount count", Integer.toString(sb.mountCount()));
        line(out, "Maximum mount count", Integer.toString(sb.maxMountCount()));
        if (sb.hasCompat(Features.COMPAT_HAS_JOURNAL)) {
            line(out, "Journal inode", sb.journalInum() == 0 ? "none (external journal)" : Long.toString(sb.journalInum()));
            line(out, "Journal needs recovery", journalState(sb, fs.recovery()));
        } else {
            line(out, "Journal", "none");
        }
        line(out, "ext4j writes", fs.commitMode());
        line(out, "Default directory hash", hashName(sb.defHashVersion(), sb.flags()));
        line(out, "Directory Hash Seed", uuid(hashSeedBytes(sb)));
        if (sb.hasRoCompat(Features.RO_COMPAT_METADATA_CSUM)) {
            line(out, "Checksum type", "crc32c");
            line(out, "Checksum seed", String.format("0x%08x%s", sb.checksumSeed(),
                    sb.hasIncompat(Features.INCOMPAT_CSUM_SEED) ? "" : " (from the UUID)"));
        } else if (sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM)) {
            line(out, "Checksum type", "crc16 (group descriptors only)");
        } else {
            line(out, "Checksum type", "none");
        }
        line(out, "Mode", mode(volume, sb));
    }

    private static void line(PrintWriter out, String label, String value) {
        StringBuilder b = new StringBuilder(label).append(':');
        while (b.length() < LABEL_WIDTH) {
            b.append(' ');
        }
        out.println(b.append(value));
    }

    /** The RFC 4122 text form of 16 bytes. */
    static String uuid(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                s.append('-');
            }
            s.append(String.format("%02x", b[i] & 0xff));
        }
        return s.toString();
    }

    private static byte[] hashSeedBytes(Superblock sb) {
        byte[] raw = sb.raw();
        byte[] seed = new byte[16];
        System.arraycopy(raw, Superblock.S_HASH_SEED, seed, 0, 16);
        return seed;
    }

    private static String state(int state) {
        String s = (state & Superblock.STATE_VALID_FS) != 0 ? "clean" : "not clean";
        if ((state & Superblock.STATE_ERROR_FS) != 0) {
            s += " with errors";
        }
        if ((state & Superblock.STATE_ORPHAN_FS) != 0) {
            s += " (orphans being recovered)";
        }
        return s;
    }

    private static String time(long epochSeconds) {
        return epochSeconds == 0 ? "n/a" : TIME.format(Instant.ofEpochSecond(epochSeconds));
    }

    private static String journalState(Superblock sb, RecoveryResult recovery) {
        if (recovery != null && !recovery.wasClean()) {
            return "yes (replayed in memory for this read-only view: " + recovery.transactionsReplayed()
                    + " transaction(s), " + recovery.blocksReplayed() + " block(s); the image itself is unchanged)";
        }
        return sb.hasIncompat(Features.INCOMPAT_RECOVER) ? "yes (needs_recovery is set)" : "no";
    }

    /** The name of s_def_hash_version, with the signedness s_flags says the hash uses. */
    private static String hashName(int version, int flags) {
        String[] names = {"legacy", "half_md4", "tea"};
        if (version < names.length) {
            boolean unsigned = (flags & Superblock.FLAGS_UNSIGNED_HASH) != 0;
            return names[version] + (unsigned ? " (unsigned)" : (flags & Superblock.FLAGS_SIGNED_HASH) != 0 ? " (signed)" : "");
        }
        String[] unsignedNames = {"legacy_unsigned", "half_md4_unsigned", "tea_unsigned"};
        if (version - 3 < unsignedNames.length) {
            return unsignedNames[version - 3];
        }
        return "unknown (" + version + ")";
    }

    private static String mode(PosixFileSystem volume, Superblock sb) {
        StringBuilder s = new StringBuilder("read-only");
        String reason = volume.readOnlyReason();
        if ("opened read-only".equals(reason)) {
            s.append(" (the ext4j commands only read images)");
        } else if (reason != null) {
            s.append(" (").append(reason).append(')');
        }
        int roUnsupported = sb.featureRoCompat() & ~Features.RO_COMPAT_WRITE_SUPPORTED;
        if (roUnsupported != 0) {
            s.append("; could never be written: feature(s) ")
                    .append(String.join(", ", Features.roCompatNames(roUnsupported))).append(" can only be read");
        }
        return s.toString();
    }
}
