package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.CodeVersion;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunIds;
import io.embedflow.orchestrator.metadata.RunOrigin;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.StoredSpec;
import io.embedflow.orchestrator.metadata.TriggerLogEntry;
import io.embedflow.orchestrator.queue.Enqueued;
import io.embedflow.orchestrator.queue.RunQueue;
import io.embedflow.orchestrator.queue.RunRequest;
import io.embedflow.orchestrator.queue.RunTrigger;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.schedule.DatasetProbe;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.schedule.RefreshSpecYaml;
import io.embedflow.orchestrator.schedule.TriggerEvaluator;
import io.embedflow.orchestrator.schedule.TriggerKind;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the trigger log's pending firings into run queue requests. For each firing, oldest first:
 * the spec as registered now, its model URI resolved now (an alias to its version) and its dataset's
 * data snapshot taken now make a {@link RunRequest} (tenant, priority, slots = parallelism, dedupe
 * key from {@link DedupeKeys}), which {@link RunQueue#enqueueFiring} queues in the transaction that
 * marks the firing taken. So a crash leaves each firing either pending (taken again by the next
 * pass) or taken with its request stored, never lost and never queued twice; and identical firings
 * fold into one request.
 *
 * <p>A firing that can never become a request (its model cannot be resolved, it needs more slots
 * than the cluster has) is taken by a FAILED run record that says why, so it shows in
 * {@code embedflow runs} and ends any chain. A firing whose spec was removed is taken and dropped.
 * A transient failure (the dataset's store unreachable, say) leaves the firing pending for the
 * next pass. Called from the daemon's one pass thread.
 */
final class FiringIntake {

    private static final Logger LOG = LoggerFactory.getLogger(FiringIntake.class);

    /** What one intake did. */
    record Report(int queued, int folded, int failed, int dropped, int left) {
    }

    private final MetadataStore metadata;
    private final ModelRegistry registry;
    private final DatasetProbe probe;
    private final TriggerEvaluator triggers;
    private final Function<String, String> logLocation;
    private final int limit;
    private final Set<Long> warned = new HashSet<>();

    /**
     * @param logLocation where the log of a run id is, for records of firings that failed here
     * @param limit the most firings one intake takes
     */
    FiringIntake(MetadataStore metadata, ModelRegistry registry, DatasetProbe probe, TriggerEvaluator triggers,
            Function<String, String> logLocation, int limit) {
        this.metadata = metadata;
        this.registry = registry;
        this.probe = probe;
        this.triggers = triggers;
        this.logLocation = logLocation;
        this.limit = limit;
    }

    /**
     * Takes up to the limit of pending firings into {@code queue}.
     *
     * @param capacityMayGrow whether the cluster's capacity is read from the cluster (a request larger
     *     than it waits) rather than fixed (such a request fails)
     */
    Report take(RunQueue queue, Instant now, boolean capacityMayGrow) {
        int failed = 0;
        int dropped = 0;
        int left = 0;
        Map<Long, RunRequest> batch = new LinkedHashMap<>();
        Map<Long, TriggerLogEntry> firings = new HashMap<>();
        for (TriggerLogEntry firing : metadata.specs().pending(limit)) {
            Optional<StoredSpec> stored = metadata.specs().find(firing.spec());
            if (stored.isEmpty()) {
                metadata.specs().markConsumed(firing.seq(), "dropped: spec removed", now);
                LOG.info("firing {} of refresh spec {} dropped: the spec was removed", firing.seq(), firing.spec());
                dropped++;
                continue;
            }
            RefreshSpec spec;
            RunRequest request;
            try {
                spec = RefreshSpecYaml.read("'" + firing.spec() + "' as stored", stored.get().yaml(), null);
                request = request(spec, firing, now);
            } catch (OrchestratorException e) {
                if (FailureClassifier.classify(e).failureClass() != FailureClass.FATAL) {
                    warnOnce(firing, e.getMessage());
                    left++;
                } else {
                    fail(firing, null, e.getMessage(), now);
                    failed++;
                }
                continue;
            }
            String never = queue.share().whyNever(request.tenant(), request.slots());
            if (never != null && capacityMayGrow) {
                warnOnce(firing, "it " + never + " for now");
                left++;
            } else if (never != null) {
                fail(firing, spec, "tenant " + spec.tenant() + "'s run " + never, now);
                failed++;
            } else {
                batch.put(firing.seq(), request);
                firings.put(firing.seq(), firing);
            }
        }
        int queued = 0;
        int folded = 0;
        if (!batch.isEmpty()) {
            // one transaction for the pass's firings: all are queued and taken, or all stay pending for the next pass
            for (Map.Entry<Long, Optional<Enqueued>> e : queue.enqueueFirings(batch, now).entrySet()) {
                TriggerLogEntry firing = firings.get(e.getKey());
                warned.remove(firing.seq());
                if (e.getValue().isEmpty()) {
                    continue;   // another daemon took it meanwhile
                }
                Enqueued enqueued = e.getValue().get();
                if (enqueued.created()) {
                    queued++;
                    LOG.info("firing {} of refresh spec {} ({}) queued as request {}", firing.seq(), firing.spec(), firing.kind(),
                            enqueued.run().id());
                } else {
                    folded++;
                    LOG.info("firing {} of refresh spec {} ({}) folded into request {}, which does the same work", firing.seq(),
                            firing.spec(), firing.kind(), enqueued.run().id());
                }
            }
        }
        return new Report(queued, folded, failed, dropped, left);
    }

    private RunRequest request(RefreshSpec spec, TriggerLogEntry firing, Instant now) {
        ModelVersion version = registry.resolve(spec.model());
        String data = probe.snapshotId(spec.dataset(), spec.partitionFilter()).orElse(null);
        TriggerKind kind = TriggerKind.valueOf(firing.kind());
        RunPayload payload = new RunPayload(RefreshSpecYaml.write(spec), version.ref(), version.snapshotId(), data, firing.seq(),
                kind.name(), firing.detail(), firing.firedAt());
        String detail = firing.detail().length() > RunTrigger.MAX_DETAIL_LENGTH
                ? firing.detail().substring(0, RunTrigger.MAX_DETAIL_LENGTH) : firing.detail();
        return RunRequest.builder()
                .setSpec(spec.name())
                .setTenant(spec.tenant())
                .setSlots(spec.parallelism())
                .setDedupeKey(DedupeKeys.of(spec, version.snapshotId(), data))
                .setTrigger(new RunTrigger(queueKind(kind), detail))
                .setPayloadJson(payload.toJson())
                .setEnqueuedAt(now)
                .optPriority(spec.priority())
                .build();
    }

    /** The queue names two kinds differently from the trigger log. */
    static RunTrigger.Kind queueKind(TriggerKind kind) {
        return switch (kind) {
            case CRON -> RunTrigger.Kind.SCHEDULE;
            case NEW_DATA -> RunTrigger.Kind.NEW_DATA;
            case MODEL_ALIAS -> RunTrigger.Kind.MODEL_ALIAS;
            case AFTER -> RunTrigger.Kind.UPSTREAM_RUN;
            case MANUAL -> RunTrigger.Kind.MANUAL;
        };
    }

    /** Takes {@code firing} with a FAILED run record that says why it cannot run. */
    private void fail(TriggerLogEntry firing, RefreshSpec spec, String reason, Instant now) {
        String runId = RunIds.newId(now);
        String error = "firing " + firing.seq() + " cannot run: " + reason;
        RunRecord run = RunRecord.started(runId, "refresh", spec == null ? null : spec.model().toString(), null, null,
                        spec == null ? null : spec.dataset(), spec == null ? null : spec.output(), null, CodeVersion.current(), now)
                .withOrigin(new RunOrigin(firing.spec(), firing.kind(), firing.detail(), firing.seq(), null))
                .withLogLocation(logLocation.apply(runId))
                .failed(error, now);
        metadata.insertRun(run);
        if (metadata.specs().markConsumed(firing.seq(), "run:" + runId, now)) {
            triggers.recordRunFinished(firing.spec(), runId, false);
        }
        warned.remove(firing.seq());
        LOG.warn("firing {} of refresh spec {} failed as run {}: {}", firing.seq(), firing.spec(), runId, reason);
    }

    private void warnOnce(TriggerLogEntry firing, String why) {
        if (warned.add(firing.seq())) {
            LOG.warn("firing {} of refresh spec {} left for the next pass: {}", firing.seq(), firing.spec(), why);
        }
    }
}
