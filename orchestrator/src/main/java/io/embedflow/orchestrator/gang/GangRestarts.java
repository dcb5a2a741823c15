package io.embedflow.orchestrator.gang;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs a gang to its end with whole-gang restarts: when an attempt fails, it is stopped and the next
 * attempt is launched, up to the request's restart budget. The smallest loop over the
 * {@link GangLauncher} contract, the same for every launcher; it knows nothing of checkpoints
 * (members find the newest one themselves).
 *
 * <p>Blocking: polls the running attempt's status every {@code pollInterval} on the calling thread,
 * and stops every attempt it launched before it returns or throws.
 */
public final class GangRestarts {

    /**
     * How a gang ended.
     *
     * @param status the last attempt's status: {@code SUCCEEDED}, or {@code FAILED} with the reason of
     *     the failure that used up the restart budget
     * @param attempts how many attempts were launched
     * @param failures the status of every failed attempt, in order (the last one is {@code status} when
     *     the gang failed)
     */
    public record Outcome(GangStatus status, int attempts, List<GangStatus> failures) {
        public Outcome {
            Objects.requireNonNull(status, "status");
            failures = List.copyOf(failures);
        }
    }

    private GangRestarts() {
    }

    /**
     * @throws OrchestratorException when an attempt cannot be launched (nothing of it runs then) or
     *     its status cannot be read (it is stopped first)
     * @throws InterruptedException when interrupted; the running attempt is stopped first
     */
    public static Outcome runToEnd(GangLauncher launcher, GangRequest request, Duration pollInterval)
            throws InterruptedException {
        Objects.requireNonNull(launcher, "launcher");
        Objects.requireNonNull(request, "request");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new OrchestratorException("the poll interval must be longer than zero, got " + pollInterval);
        }
        List<GangStatus> failures = new ArrayList<>();
        for (int attempt = 0; ; attempt++) {
            GangStatus status;
            try (LaunchedGang gang = launcher.launch(request, attempt)) {
                status = awaitEnd(gang, pollInterval);
            }
            if (status.state() == GangStatus.State.FAILED) {
                failures.add(status);
            }
            if (status.state() == GangStatus.State.SUCCEEDED || attempt >= request.restartBudget()) {
                return new Outcome(status, attempt + 1, failures);
            }
        }
    }

    private static GangStatus awaitEnd(LaunchedGang gang, Duration pollInterval) throws InterruptedException {
        while (true) {
            GangStatus status = gang.status();
            if (status.state() != GangStatus.State.RUNNING) {
                return status;
            }
            // The launcher contract has no signal for a state change: polling is the only way to learn it.
            TimeUnit.NANOSECONDS.sleep(pollInterval.toNanos());
        }
    }
}
