package io.embedflow.orchestrator.metadata;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What the triggers of one refresh spec have accounted for, and how its own runs ended. Written
 * only through {@link SpecTables}, which bumps {@link #revision()} with every write and refuses a
 * write based on an older revision.
 *
 * @param spec the spec's name
 * @param revision the number of writes so far; a write must name the revision it read
 * @param cronCheckedAt cron due times up to this instant have fired (or were skipped by a pause); null without a cron trigger
 * @param dataSnapshotId the dataset's data snapshot id when last seen; null when there were no data files
 * @param dataSeenAt when {@code dataSnapshotId} was first seen; null while the dataset was never looked at
 * @param aliasVersion the version the model alias pointed at when last seen; null when it did not exist
 * @param aliasSeenAt when {@code aliasVersion} was first seen; null without an alias trigger
 * @param lastRunId the spec's last finished run, as the runner reported it; null before any
 * @param lastRunSucceeded whether that run succeeded; null before any
 * @param lastRunFinishedAt when the runner reported it; null before any
 * @param lastSuccessRunId the spec's last succeeded run: what specs running {@code after} it follow
 * @param lastSuccessAt when that was reported
 * @param upstreamRunsSeen for each upstream of an {@code after} trigger, its last succeeded run this
 *     spec has fired for (or that had succeeded before this spec was added); absent: none seen
 */
public record SpecState(
        String spec,
        long revision,
        Instant cronCheckedAt,
        String dataSnapshotId,
        Instant dataSeenAt,
        Integer aliasVersion,
        Instant aliasSeenAt,
        String lastRunId,
        Boolean lastRunSucceeded,
        Instant lastRunFinishedAt,
        String lastSuccessRunId,
        Instant lastSuccessAt,
        Map<String, String> upstreamRunsSeen) {

    public SpecState {
        Objects.requireNonNull(spec, "spec");
        upstreamRunsSeen = Map.copyOf(upstreamRunsSeen);
    }

    /** The state of a spec nothing has been observed for yet. */
    public static SpecState initial(String spec) {
        return new SpecState(spec, 0, null, null, null, null, null, null, null, null, null, null, Map.of());
    }

    /** Whether the dataset was ever looked at (its first look is the baseline, not a change). */
    public boolean dataSeen() {
        return dataSeenAt != null;
    }

    public SpecState withCronCheckedAt(Instant at) {
        return new SpecState(spec, revision, at, dataSnapshotId, dataSeenAt, aliasVersion, aliasSeenAt, lastRunId,
                lastRunSucceeded, lastRunFinishedAt, lastSuccessRunId, lastSuccessAt, upstreamRunsSeen);
    }

    public SpecState withData(String snapshotId, Instant seenAt) {
        return new SpecState(spec, revision, cronCheckedAt, snapshotId, seenAt, aliasVersion, aliasSeenAt, lastRunId,
                lastRunSucceeded, lastRunFinishedAt, lastSuccessRunId, lastSuccessAt, upstreamRunsSeen);
    }

    public SpecState withAlias(Integer version, Instant seenAt) {
        return new SpecState(spec, revision, cronCheckedAt, dataSnapshotId, dataSeenAt, version, seenAt, lastRunId,
                lastRunSucceeded, lastRunFinishedAt, lastSuccessRunId, lastSuccessAt, upstreamRunsSeen);
    }

    public SpecState withUpstreamRunsSeen(Map<String, String> seen) {
        return new SpecState(spec, revision, cronCheckedAt, dataSnapshotId, dataSeenAt, aliasVersion, aliasSeenAt, lastRunId,
                lastRunSucceeded, lastRunFinishedAt, lastSuccessRunId, lastSuccessAt, seen);
    }

    /** With run {@code runId} finished at {@code at}; a success also becomes the last success. */
    public SpecState withRunFinished(String runId, boolean succeeded, Instant at) {
        return new SpecState(spec, revision, cronCheckedAt, dataSnapshotId, dataSeenAt, aliasVersion, aliasSeenAt, runId,
                succeeded, at, succeeded ? runId : lastSuccessRunId, succeeded ? at : lastSuccessAt, upstreamRunsSeen);
    }

    /** The same observations under another revision (the store sets revisions). */
    SpecState withRevision(long newRevision) {
        return new SpecState(spec, newRevision, cronCheckedAt, dataSnapshotId, dataSeenAt, aliasVersion, aliasSeenAt,
                lastRunId, lastRunSucceeded, lastRunFinishedAt, lastSuccessRunId, lastSuccessAt, upstreamRunsSeen);
    }

    /** Whether {@code other} records the same observations (revisions aside). */
    public boolean sameObservations(SpecState other) {
        return withRevision(0).equals(other.withRevision(0));
    }
}
