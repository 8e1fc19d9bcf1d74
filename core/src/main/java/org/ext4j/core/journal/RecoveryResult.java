package org.ext4j.core.journal;

import java.util.List;
import java.util.OptionalLong;

/**
 * What a journal recovery found and did. Transaction ids are jbd2 tids (unsigned 32-bit).
 *
 * @param wasClean the journal needed no recovery (s_start was 0); nothing was written
 * @param firstTransaction s_sequence: the first transaction looked for
 * @param endTransaction the first transaction not replayed (missing, uncommitted or corrupt)
 * @param transactionsReplayed complete transactions replayed ({@code endTransaction - firstTransaction})
 * @param blocksReplayed filesystem blocks written
 * @param revokeRecords revoke records read from replayed transactions
 * @param revokeHits logged blocks skipped because a revoke record covered them
 * @param badChecksumBlocks filesystem blocks whose logged copy failed its checksum and was not
 *        written; the kernel replays everything else and then fails the mount, e2fsck marks the
 *        filesystem as having errors: a caller should do one of these when this is not empty
 * @param failedCommit a transaction whose commit block failed its checksum (without async
 *        commit), which ended replay; the kernel reports it as a corrupt transaction
 * @param journalErrno s_errno of the journal superblock (negative errno of an aborted journal, or 0)
 * @param nextSequence the id the next transaction must use, which {@link JournalRecovery#markClean}
 *        stores as s_sequence
 */
public record RecoveryResult(boolean wasClean, long firstTransaction, long endTransaction, long transactionsReplayed,
                             long blocksReplayed, long revokeRecords, long revokeHits, List<Long> badChecksumBlocks,
                             OptionalLong failedCommit, int journalErrno, long nextSequence) {
    public RecoveryResult {
        badChecksumBlocks = List.copyOf(badChecksumBlocks);
    }
}
