package io.embedflow.orchestrator.gang;

import java.util.Objects;

/**
 * The state of one attempt of a gang.
 *
 * @param state where the attempt is
 * @param failedRank for {@link State#FAILED}: the member that failed first, or -1 when it is not known
 * @param reason for {@link State#FAILED}: what happened, e.g. {@code rank 1 exited with status 137}; else empty
 */
public record GangStatus(State state, int failedRank, String reason) {
    public enum State {
        /** Members are starting or running. */
        RUNNING,
        /** Every member finished successfully. */
        SUCCEEDED,
        /** A member failed or could not start; the attempt is over (the others are stopped or stopping). */
        FAILED
    }

    public GangStatus {
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
    }

    public static GangStatus running() {
        return new GangStatus(State.RUNNING, -1, "");
    }

    public static GangStatus succeeded() {
        return new GangStatus(State.SUCCEEDED, -1, "");
    }

    public static GangStatus failed(int rank, String reason) {
        return new GangStatus(State.FAILED, rank, reason);
    }
}
