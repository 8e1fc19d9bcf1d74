package org.ext4j.core.spi;


/**
 * What a setattr does to one timestamp, as utimensat(2) says it: leave it (UTIME_OMIT), set it to
 * the current time (UTIME_NOW), or set it to a given time.
 */
public sealed interface TimeChange permits TimeChange.Omit, TimeChange.Now, TimeChange.SetTo {
    /** UTIME_OMIT: the timestamp is not changed. */
    TimeChange OMIT = new Omit();
    /** UTIME_NOW: the timestamp becomes the current time. */
    TimeChange NOW = new Now();

    /** An explicit time (nanoseconds kept where the inode has room for them). */
    static TimeChange set(Timestamp time) {
        return new SetTo(time);
    }

    /** UTIME_OMIT. */
    record Omit() implements TimeChange {
    }

    /** UTIME_NOW. */
    record Now() implements TimeChange {
    }

    /** An explicit time. */
    record SetTo(Timestamp time) implements TimeChange {
        public SetTo {
            java.util.Objects.requireNonNull(time, "time");
        }
    }
}
