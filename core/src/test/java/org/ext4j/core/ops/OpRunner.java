package org.ext4j.core.ops;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ManualClock;

/**
 * Applies generated operations to a system under test and to the model, and fails at the first
 * operation whose errno or result differs. An operation the system under test answers with
 * ENOSYS (not implemented yet) is skipped on both sides and counted, never silently.
 */
final class OpRunner {
    /** What came of one operation: a value or an errno. */
    record Outcome(Object value, Errno errno, String message) {
        static Outcome of(Op op, WritableFileSystem fs) {
            try {
                return new Outcome(op.apply(fs), null, null);
            } catch (Ext4Exception e) {
                return new Outcome(null, e.errno(), e.getMessage());
            }
        }

        @Override
        public String toString() {
            return errno != null ? errno + " (" + message + ")" : String.valueOf(value);
        }
    }

    private static final Instant START = Instant.parse("2024-03-01T12:00:00Z");

    private final long seed;
    private final ModelFileSystem model;
    private final WritableFileSystem target;
    private final ManualClock clock;
    private final boolean clockTolerance;
    private final Map<OpKind, Integer> applied = new EnumMap<>(OpKind.class);
    private final Map<OpKind, Integer> skipped = new EnumMap<>(OpKind.class);
    private final Map<OpKind, Integer> failedAlike = new EnumMap<>(OpKind.class);
    private final List<String> log = new ArrayList<>();
    private final List<Integer> skippedIndices = new ArrayList<>();
    private final List<String> outcomes = new ArrayList<>();
    private java.util.Set<Integer> skip = java.util.Set.of();
    private Consumer<String> printer = System.out::println;

    /**
     * @param clock          the clock both sides read, advanced before each operation; null when
     *                       the target has its own (a kernel), which needs {@code clockTolerance}
     */
    OpRunner(long seed, ModelFileSystem model, WritableFileSystem target, ManualClock clock, boolean clockTolerance) {
        this.seed = seed;
        this.model = model;
        this.target = target;
        this.clock = clock;
        this.clockTolerance = clockTolerance;
    }

    /** Runs {@code count} operations drawn from {@code mix}; throws AssertionError (naming the seed) on the first disagreement. */
    void run(OpMix mix, int count) {
        OpGenerator generator = new OpGenerator(seed, model, mix);
        for (int i = 0; i < count; i++) {
            Op op = generator.next();
            tick(i);
            step(i, op);
        }
    }

    /**
     * Runs a fixed sequence: each step makes its operation from the model as it stands, so that
     * targets are picked by name (a kernel and ext4j number new inodes differently).
     */
    void run(List<Function<ModelFileSystem, Op>> script) {
        for (int i = 0; i < script.size(); i++) {
            Op op = script.get(i).apply(model);
            tick(i);
            step(i, op);
        }
    }

    /** Moves the shared clock (if there is one) to operation {@code index}'s time. */
    private void tick(int index) {
        if (clock != null) {
            clock.set(START.plusSeconds(index).plusNanos(1 + (index * 7919L) % 999_999_998));
        }
    }

    /**
     * Skips the operations at these indices on both sides (those another target could not run),
     * so that two runners with one seed see the same sequence.
     */
    void skipping(java.util.Set<Integer> indices) {
        skip = java.util.Set.copyOf(indices);
    }

    /** Indices of the operations skipped (ENOSYS or {@link #skipping}). */
    List<Integer> skippedIndices() {
        return skippedIndices;
    }

    /** Per compared operation: its index, kind, caller and errno (or "ok"), for comparing two targets' runs. */
    List<String> outcomes() {
        return outcomes;
    }

    private void step(int index, Op op) {
        if (skip.contains(index)) {
            skipped.merge(op.kind(), 1, Integer::sum);
            skippedIndices.add(index);
            return;
        }
        Outcome actual = Outcome.of(op, target);
        if (actual.errno() == Errno.ENOSYS) {
            skipped.merge(op.kind(), 1, Integer::sum);
            skippedIndices.add(index);
            return;
        }
        // Kind and caller, not the description: inode numbers differ between a kernel and ext4j.
        outcomes.add("#" + index + " " + op.kind() + " " + Op.who(op.caller()) + " -> "
                + (actual.errno() == null ? "ok" : actual.errno()));
        if (actual.errno() == null && op.kind().createsInode() && actual.value() instanceof AttrView v) {
            model.expectIno(v.ino());
        }
        if (actual.errno() == null && op instanceof Op.Rename r && (r.flags() & WritableFileSystem.RENAME_WHITEOUT) != 0) {
            Attributes whiteout = target.lookup(OpGenerator.ROOT, r.parent(), r.name());
            model.expectIno(whiteout.ino());
        }
        Outcome expected = Outcome.of(op, model);
        String line = "#" + index + " " + op.describe() + " -> " + actual;
        log.add(line);
        if (expected.errno() == Errno.ENOSYS) {
            skipped.merge(op.kind(), 1, Integer::sum);
            throw fail(index, op, "the model cannot check this operation, but the target did it: " + actual);
        }
        if (!Objects.equals(expected.errno(), actual.errno())) {
            throw fail(index, op, "errno: expected " + expected + ", got " + actual);
        }
        if (expected.errno() != null) {
            failedAlike.merge(op.kind(), 1, Integer::sum);
            return;
        }
        applied.merge(op.kind(), 1, Integer::sum);
        if (expected.value() instanceof AttrView e && actual.value() instanceof AttrView a) {
            List<String> differences = e.differences(a, clockTolerance);
            if (!differences.isEmpty()) {
                throw fail(index, op, "attributes differ: " + differences);
            }
        } else if (!Objects.equals(expected.value(), actual.value())) {
            throw fail(index, op, "result: expected " + expected + ", got " + actual);
        }
    }

    private AssertionError fail(int index, Op op, String what) {
        int from = Math.max(0, log.size() - 15);
        return new AssertionError("seed " + seed + ", operation #" + index + " (" + op.describe() + "): " + what
                + "\nlast operations:\n  " + String.join("\n  ", log.subList(from, log.size())));
    }

    /** Prints (and returns) how many operations of each kind succeeded, failed alike, and were skipped as ENOSYS. */
    String summary() {
        StringBuilder sb = new StringBuilder("seed " + seed + ": ");
        for (OpKind kind : OpKind.values()) {
            int ok = applied.getOrDefault(kind, 0);
            int errors = failedAlike.getOrDefault(kind, 0);
            int skip = skipped.getOrDefault(kind, 0);
            if (ok + errors + skip > 0) {
                sb.append(kind.name().toLowerCase()).append(" ok=").append(ok).append(" errno=").append(errors);
                if (skip > 0) {
                    sb.append(" SKIPPED(ENOSYS)=").append(skip);
                }
                sb.append("; ");
            }
        }
        String text = sb.toString();
        printer.accept(text);
        return text;
    }

    /** Operations that ran on both sides (succeeded or failed alike). */
    int compared() {
        return applied.values().stream().mapToInt(Integer::intValue).sum()
                + failedAlike.values().stream().mapToInt(Integer::intValue).sum();
    }

    int skippedCount() {
        return skipped.values().stream().mapToInt(Integer::intValue).sum();
    }
}
