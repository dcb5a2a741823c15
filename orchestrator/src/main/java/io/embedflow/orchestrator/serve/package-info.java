/**
 * {@code embedflow serve}: the daemon that runs the registered refresh specs.
 *
 * <ul>
 *   <li>{@link io.embedflow.orchestrator.serve.ServeDaemon}: the pass (evaluate triggers, take
 *       firings into the run queue, renew leases, stop cancelled or timed-out runs, reclaim, admit,
 *       start) and the loop; configured by {@link io.embedflow.orchestrator.serve.ServeConfig}, its
 *       capacity from a {@link io.embedflow.orchestrator.serve.CapacitySource}.</li>
 *   <li>{@code FiringIntake}: pending firings to queue requests, with their dedupe keys
 *       ({@link io.embedflow.orchestrator.serve.DedupeKeys}) and payloads
 *       ({@link io.embedflow.orchestrator.serve.RunPayload}).</li>
 *   <li>{@code RunSupervisor}: runs admitted requests on bounded run threads through a
 *       {@link io.embedflow.orchestrator.serve.RunLauncher}
 *       ({@link io.embedflow.orchestrator.serve.RefreshLauncher} in production), ends them, retries
 *       by {@link io.embedflow.orchestrator.serve.FailureClass}
 *       ({@link io.embedflow.orchestrator.serve.FailureClassifier},
 *       {@link io.embedflow.orchestrator.serve.RetryPolicy}), and stops them
 *       ({@link io.embedflow.orchestrator.serve.ShutdownPolicy}).</li>
 *   <li>{@code RunReconciler}: what became of a run an earlier daemon left, after a crash.</li>
 *   <li>{@link io.embedflow.orchestrator.serve.Leadership}: whether this daemon may schedule, when
 *       several replicas stand for one role ({@code serve.k8s.LeaseLeadership} on Kubernetes).</li>
 *   <li>{@link io.embedflow.orchestrator.serve.ServeStatus}: what its endpoint
 *       ({@code io.embedflow.orchestrator.http.StatusServer}, with the web UI of
 *       {@code io.embedflow.orchestrator.http.ui.WebUi}) shows at {@code /api/queue}.</li>
 * </ul>
 *
 * The reasoning behind crash safety is in {@code docs/schedule.md}, section "serve".
 */
package io.embedflow.orchestrator.serve;
