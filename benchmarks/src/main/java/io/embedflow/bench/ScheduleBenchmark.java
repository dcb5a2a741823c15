package io.embedflow.bench;

import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.queue.AdmissionPlan;
import io.embedflow.orchestrator.queue.FairShare;
import io.embedflow.orchestrator.queue.FairSharePolicy;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.RunQueue;
import io.embedflow.orchestrator.queue.RunRequest;
import io.embedflow.orchestrator.queue.RunTrigger;
import io.embedflow.orchestrator.queue.SlotClaim;
import io.embedflow.orchestrator.queue.TenantPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bench schedule}: the run queue with {@code --requests} queued over
 * {@code --tenants} tenants in a SQLite metadata store. Measures enqueue throughput one
 * transaction per request and in batches, one admission pass on an empty cluster, steady-state
 * passes (a tenth of the running work finishes before each), and the fair-share policy alone on
 * the last pass's input: the baseline the pass's database work is set against.
 */
@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = "Run queue: enqueue rate and one admission pass over many queued requests, vs the policy alone.")
public final class ScheduleBenchmark implements Callable<Integer> {
    private static final int BATCH = 500;
    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    @Spec
    CommandSpec spec;

    @Option(names = "--requests", defaultValue = "10000", description = "Requests queued (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--tenants", defaultValue = "50", description = "Tenants they belong to (default: ${DEFAULT-VALUE}).")
    int tenants;

    @Option(names = "--capacity", defaultValue = "256", description = "Cluster task slots (default: ${DEFAULT-VALUE}).")
    int capacity;

    @Option(names = "--single", defaultValue = "2000",
            description = "Of the requests, how many to enqueue one transaction each; the rest go in batches of " + BATCH
                    + " (default: ${DEFAULT-VALUE}).")
    int single;

    @Option(names = "--passes", defaultValue = "20",
            description = "Steady-state admission passes timed (default: ${DEFAULT-VALUE}).")
    int passes;

    @Override
    public Integer call() throws IOException {
        if (requests < 1 || tenants < 1 || capacity < 8 || passes < 1 || single < 1 || single > requests) {
            throw new ParameterException(spec.commandLine(), "need --requests >= --single >= 1, --tenants >= 1, "
                    + "--capacity >= 8 (requests take 1 to 8 slots), --passes >= 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("embedflow-bench-schedule-");
        FairShare share = share();
        List<RunRequest> all = requests(new Random(6));
        try (MetadataStore store = MetadataStore.openSqlite(work.resolve("metadata.db"))) {
            RunQueue queue = store.runQueue(share, LEASE);

            long t0 = System.nanoTime();
            for (RunRequest r : all.subList(0, single)) {
                queue.enqueue(r);
            }
            double singleSeconds = seconds(t0);
            long t1 = System.nanoTime();
            for (int from = single; from < all.size(); from += BATCH) {
                queue.enqueueAll(all.subList(from, Math.min(all.size(), from + BATCH)));
            }
            double batchSeconds = seconds(t1);
            int batched = all.size() - single;

            long t2 = System.nanoTime();
            List<QueuedRun> firstAdmitted = queue.admit("bench", T0);
            double firstPassMs = seconds(t2) * 1e3;

            Random random = new Random(7);
            double[] steadyMs = new double[passes];
            int steadyAdmitted = 0;
            int lastAdmitted = 0;
            AdmissionPlan plan = null;
            int queuedBeforeLast = 0;
            double[] policyMs = new double[20];
            for (int p = 0; p < passes; p++) {
                for (QueuedRun run : queue.list(QueueState.ADMITTED)) {
                    if (random.nextInt(10) == 0) {
                        queue.finish(run.id(), true, null, T0);
                    }
                }
                if (p == passes - 1) {
                    // the baseline: the policy alone on exactly the input of the last pass
                    List<SlotClaim> queued = queue.list(QueueState.QUEUED).stream().map(QueuedRun::claim).toList();
                    List<SlotClaim> admitted = queue.list(QueueState.ADMITTED).stream().map(QueuedRun::claim).toList();
                    OptionalLong reserved = queue.reservation();
                    queuedBeforeLast = queued.size();
                    for (int i = -5; i < policyMs.length; i++) {
                        long t = System.nanoTime();
                        plan = FairSharePolicy.plan(share, queued, admitted, reserved);
                        if (i >= 0) {
                            policyMs[i] = seconds(t) * 1e3;
                        }
                    }
                }
                long t = System.nanoTime();
                lastAdmitted = queue.admit("bench", T0).size();
                steadyMs[p] = seconds(t) * 1e3;
                steadyAdmitted += lastAdmitted;
            }
            if (plan.admit().size() != lastAdmitted) {
                throw new IllegalStateException("the policy alone admitted " + plan.admit().size() + " but the pass "
                        + lastAdmitted + " on the same input");
            }

            double steadyMedian = median(steadyMs);
            double policyMedian = median(policyMs);
            out.printf("%-52s %10s %12s%n", "step", "ms", "per second");
            out.printf("%-52s %10.1f %12.0f%n", "enqueue " + single + ", one transaction each", singleSeconds * 1e3,
                    single / singleSeconds);
            out.printf("%-52s %10.1f %12.0f%n", "enqueue " + batched + ", " + BATCH + " per transaction", batchSeconds * 1e3,
                    batched / batchSeconds);
            out.printf("%-52s %10.1f %12s%n", "admission pass, empty cluster (" + firstAdmitted.size() + " admitted)",
                    firstPassMs, "-");
            out.printf("%-52s %10.1f %12s%n", "admission pass, steady state (median of " + passes + ")", steadyMedian, "-");
            out.printf("%-52s %10.2f %12s%n", "(baseline) policy alone, same input (" + plan.admit().size()
                    + " admitted)", policyMedian, "-");
            out.printf("queued=%d (before the last pass) tenants=%d capacity=%d store=%s%n", queuedBeforeLast, tenants, capacity,
                    store.database());
            out.printf("requests=%d tenants=%d capacity=%d enqueue_per_s=%.0f enqueue_batch_per_s=%.0f first_pass_ms=%.1f "
                    + "admit_pass_ms=%.1f admit_pass_max_ms=%.1f policy_ms=%.2f pass_vs_policy=%.1f admitted_per_pass=%.1f%n",
                    requests, tenants, capacity, single / singleSeconds, batched > 0 ? batched / batchSeconds : 0.0,
                    firstPassMs, steadyMedian, Arrays.stream(steadyMs).max().orElse(0), policyMedian,
                    steadyMedian / policyMedian, (double) steadyAdmitted / passes);
        } finally {
            deleteTree(work);
        }
        return 0;
    }

    /** Weights 1 to 3 in turn; every tenth tenant has a quota of a quarter of the cluster. */
    private FairShare share() {
        List<TenantPolicy> policies = new ArrayList<>();
        for (int i = 0; i < tenants; i++) {
            TenantPolicy policy = TenantPolicy.of(tenant(i), 1 + i % 3);
            policies.add(i % 10 == 0 ? policy.withMaxSlots(Math.max(8, capacity / 4)) : policy);
        }
        return FairShare.of(capacity, policies);
    }

    /** Requests of 1 to 8 slots, priorities 0 to 2, tenants skewed towards the first ones. */
    private List<RunRequest> requests(Random random) {
        List<RunRequest> result = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            int t = (int) Math.min(tenants - 1, Math.abs(random.nextGaussian()) * tenants / 2.5);
            String key = "spec-" + i + ":m-" + Long.toHexString(random.nextLong()) + ":d-" + Long.toHexString(random.nextLong());
            result.add(RunRequest.builder().setSpec("spec-" + i).setTenant(tenant(t)).setSlots(1 + random.nextInt(8))
                    .setDedupeKey(key).setTrigger(new RunTrigger(RunTrigger.Kind.SCHEDULE, "0 * * * *"))
                    .setPayloadJson("{\"spec\":\"spec-" + i + "\",\"parallelism\":4}").setEnqueuedAt(T0.plusMillis(i))
                    .optPriority(random.nextInt(3)).build());
        }
        return result;
    }

    private static String tenant(int i) {
        return String.format("team-%02d", i);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
