package io.embedflow.orchestrator.gang;

/**
 * Turns a {@link GangRequest} into running members: worker processes on this machine
 * ({@code LocalGangLauncher}) or pods on Kubernetes ({@code KubernetesGangLauncher}). A launch is
 * all or nothing: either every member starts, or the launch fails naming the member that did not and
 * leaves none running. Restarts are the caller's (the gang runtime): it stops a failed attempt
 * and launches the next, and members resume from the newest checkpoint.
 */
public interface GangLauncher extends AutoCloseable {
    /**
     * Starts attempt {@code attempt} (0 for the first) of the gang; returns once every member was
     * started (not once they met at the rendezvous: {@link LaunchedGang#status()} reports that).
     *
     * @throws io.embedflow.orchestrator.OrchestratorException naming the member that could not be started;
     *     no member of this attempt is left running then
     */
    LaunchedGang launch(GangRequest request, int attempt);

    /** Releases the launcher's clients; gangs it launched are not stopped. */
    @Override
    void close();
}
