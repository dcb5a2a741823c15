package io.embedflow.orchestrator.queue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The persistent queue of runs waiting for cluster slots, shared fairly between tenants
 * ({@link FairSharePolicy}). Obtained from {@code MetadataStore.runQueue(share, leaseTtl)}, which
 * binds the {@link FairShare} used to check and admit requests and the lease length.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Every method is one database transaction, blocking until it commits; an instance may be
 *       shared between threads (it uses its store's connection and lock). Several processes may
 *       use one database: SQLite serializes writers, and on PostgreSQL admission passes and
 *       enqueues each take a row lock, so two daemons never admit the same request.</li>
 *   <li><b>Dedupe:</b> at most one active ({@link QueueState#QUEUED} or {@link QueueState#ADMITTED})
 *       request per dedupe key, enforced by a unique partial index; a terminal request does not
 *       count, so the same work may be queued again after it finished.</li>
 *   <li><b>Leases:</b> {@link #admit} gives each admitted request a lease held by {@code owner} until
 *       {@code now + leaseTtl}; the owner renews all its leases with {@link #heartbeat} (more often
 *       than the lease length). A crashed daemon stops renewing; {@link #reclaimExpired} sends its
 *       expired requests back to the queue, keeping their {@code runId} and attempt count. The run
 *       the crashed daemon started may still be going (or done): the next owner of a reclaimed
 *       request with a {@code runId} reconciles with that run record (and its Flink job) before
 *       starting another, and finishes the request instead if the run completed.</li>
 *   <li>Times are passed in ({@code now}), so a daemon and its tests control them.</li>
 * </ul>
 *
 * <pre>{@code
 * RunQueue queue = metadata.runQueue(FairShare.of(16, tenants), Duration.ofMinutes(2));
 * queue.enqueue(request);                                      // by a trigger
 * for (QueuedRun run : queue.admit("serve@host-1", clock.instant())) {
 *     String runId = runner.start(run);                        // the daemon's job
 *     queue.attachRun(run.id(), runId);
 * }
 * queue.heartbeat("serve@host-1", clock.instant());            // every lease/3
 * queue.finish(id, true, runId, clock.instant());              // when the run ends
 * }</pre>
 */
public interface RunQueue {

    /**
     * Queues {@code request}, or returns the active request with the same dedupe key unchanged.
     *
     * @throws io.embedflow.orchestrator.OrchestratorException if the request could never be
     *     admitted (more slots than the cluster's capacity or its tenant's quota), or its payload is
     *     not JSON; nothing is stored then
     */
    Enqueued enqueue(RunRequest request);

    /** {@link #enqueue} for each request, in order, in one transaction: all are stored or none. */
    List<Enqueued> enqueueAll(List<RunRequest> requests);

    /**
     * Takes firing {@code firing} of the trigger log ({@code SpecTables#pending}) and queues
     * {@code request} for it, in one transaction: either the firing is marked taken by the request
     * ({@code consumed_by = "queue:<id>"}) and the request is stored, or neither happens. A request
     * deduplicated into an active one takes the firing all the same (it is marked taken by that one).
     *
     * @return empty, changing nothing, when the firing was already taken or does not exist
     * @throws io.embedflow.orchestrator.OrchestratorException as {@link #enqueue}; the firing stays untaken then
     */
    Optional<Enqueued> enqueueFiring(long firing, RunRequest request, Instant now);

    /**
     * {@link #enqueueFiring} for each firing in {@code requests} (firing number to its request), in the
     * map's iteration order, in one transaction: all are stored and taken or none.
     *
     * @return for each firing, what {@link #enqueueFiring} returns, keyed and ordered as given
     */
    Map<Long, Optional<Enqueued>> enqueueFirings(Map<Long, RunRequest> requests, Instant now);

    /**
     * One admission pass: plans with {@link FairSharePolicy} over every queued and admitted request
     * and moves the chosen ones to {@link QueueState#ADMITTED} under a lease for {@code owner}, in
     * one transaction, keeping the plan's reservation for the next pass. A request cancelled by
     * someone else meanwhile is left out, and so is one backing off ({@link QueuedRun#notBefore()}
     * after {@code now}).
     *
     * @return the requests admitted by this pass, in the policy's order
     */
    List<QueuedRun> admit(String owner, Instant now);

    /**
     * Renews, until {@code now + leaseTtl}, the lease of every request {@code owner} holds.
     *
     * @return the ids it still holds; an admitted run missing here was reclaimed or cancelled
     */
    Set<Long> heartbeat(String owner, Instant now);

    /**
     * Sends every admitted request whose lease expired before {@code now} back to
     * {@link QueueState#QUEUED}, as described above.
     *
     * @return the reclaimed requests, as they are now
     */
    List<QueuedRun> reclaimExpired(Instant now);

    /**
     * Sends every admitted request {@code owner} holds back to {@link QueueState#QUEUED} now, as
     * {@link #reclaimExpired} does for expired leases (run ids and attempt counts are kept): a
     * restarted daemon takes back what its previous incarnation held without waiting for the leases
     * to lapse.
     *
     * @return the reclaimed requests, as they are now
     */
    List<QueuedRun> reclaimOwner(String owner, Instant now);

    /**
     * Puts an active request back in line after its run ended without finishing it: it becomes
     * {@link QueueState#QUEUED} with no lease and no run id, and admission passes leave it alone until
     * {@code notBefore}. {@link Requeue#TRANSIENT} and {@link Requeue#PREEMPTION} count a retry of that
     * class on the request; {@link Requeue#RELEASED} counts nothing. It keeps its place in its
     * tenant's line (its id) and its dedupe key, so identical requests still fold into it.
     *
     * @throws io.embedflow.orchestrator.OrchestratorException if the id is unknown or terminal
     */
    QueuedRun requeue(long id, Requeue reason, Instant notBefore, Instant now);

    /** Records the run record an admitted (or reclaimed) request became; fails on a terminal one. */
    QueuedRun attachRun(long id, String runId);

    /**
     * {@link #attachRun} for each request in {@code runIds} (request id to run id), in one
     * transaction; a request that ended meanwhile (cancelled, say) is skipped.
     *
     * @return the requests the runs were attached to, keyed by request id
     */
    Map<Long, QueuedRun> attachRuns(Map<Long, String> runIds);

    /**
     * Ends an active request as {@link QueueState#SUCCEEDED} or {@link QueueState#FAILED}, freeing
     * its slots. A reclaimed request (queued again) may be finished too: its first run completed.
     *
     * @param runId the run record; null keeps the attached one
     * @throws io.embedflow.orchestrator.OrchestratorException if the id is unknown or already terminal
     */
    QueuedRun finish(long id, boolean succeeded, String runId, Instant now);

    /**
     * Cancels an active request, freeing its slots if admitted (stopping its job is the caller's).
     *
     * @return false if it had already ended (nothing changed)
     * @throws io.embedflow.orchestrator.OrchestratorException if the id is unknown
     */
    boolean cancel(long id, Instant now);

    Optional<QueuedRun> find(long id);

    /**
     * The request the last admission pass reserved slots for ({@link AdmissionPlan#reservedFor()}):
     * the next pass serves its tenant first while that tenant holds no slots; empty if none.
     */
    OptionalLong reservation();

    /** The requests in {@code state}: queued ones by priority (highest first), then id, so each tenant's line is in order; others by id. */
    List<QueuedRun> list(QueueState state);

    /** {@link #list(QueueState)} for one tenant. */
    List<QueuedRun> list(QueueState state, String tenant);

    /** The fair share this view checks and admits with. */
    FairShare share();
}
