package io.embedflow.orchestrator.schedule;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.Alias;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.SpecState;
import io.embedflow.orchestrator.metadata.StoredSpec;
import io.embedflow.orchestrator.metadata.TriggerLogEntry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which triggers of the registered refresh specs fire. It runs nothing: each firing is
 * logged in the metadata store and returned, and whoever runs specs (the queue, {@code serve})
 * takes them from there ({@link io.embedflow.orchestrator.metadata.SpecTables#pending}).
 *
 * <p>One {@link #evaluate} pass looks at every spec that is not paused:
 * <ul>
 *   <li><b>cron</b>: fires when a due time passed since the spec's last accounted time. Due
 *       times missed while nothing evaluated (downtime) fire <em>once</em>, not once each: a
 *       refresh brings a table up to date however many windows it missed; the detail says how
 *       many were folded in.</li>
 *   <li><b>new data</b>: fires when the data snapshot id of the dataset (after {@code where})
 *       differs from the last one seen: a file added, changed or deleted. The first look is the
 *       baseline and does not fire; a dataset that loses all its files is noted without firing
 *       (a refresh would have nothing to read), and fires again when files come back.</li>
 *   <li><b>model alias</b>: fires when the alias points at another version than when last seen
 *       (seen first when the spec was added); a deleted alias is noted without firing.</li>
 *   <li><b>after</b>: fires when an upstream spec's last succeeded run differs from the one this
 *       spec last fired for. Run records do not name their spec yet, so the runner reports each
 *       finished run of a spec with {@link #recordRunFinished}; several successes between two
 *       passes fire once.</li>
 * </ul>
 * A spec's firings and its new trigger state are written in one transaction that is refused if
 * the state moved since the pass read it, so a crash, a re-evaluation or a second evaluator
 * never fires twice for one cause; a crash before the commit leaves the cause in place for the
 * next pass. A spec whose dataset cannot be read is reported in {@link Evaluation#failures()}
 * (and logged); its other triggers still fire, and the dataset is looked at again next pass.
 *
 * <p>Passes run one spec after the other on the calling thread. Thread-safe as the metadata
 * store is; the {@link DatasetProbe} must be too.
 *
 * <pre>{@code
 * TriggerEvaluator triggers = new TriggerEvaluator(metadata, new ObjectStoreDatasetProbe(s3), Clock.systemUTC());
 * for (TriggerFiring firing : triggers.evaluate(clock.instant())) { queue.offer(firing); }
 * }</pre>
 */
public final class TriggerEvaluator {

    /** Missed cron due times are counted up to this many for the firing's detail. */
    static final int MAX_COUNTED_DUE_TIMES = 1000;
    private static final int MAX_RUN_REPORT_ATTEMPTS = 20;
    private static final Logger LOG = LoggerFactory.getLogger(TriggerEvaluator.class);

    private final MetadataStore metadata;
    private final DatasetProbe probe;
    private final Clock clock;

    public TriggerEvaluator(MetadataStore metadata, DatasetProbe probe, Clock clock) {
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.probe = Objects.requireNonNull(probe, "probe");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * What a pass did.
     *
     * @param firings the logged firings, in spec name order
     * @param failures one per spec that could not be fully evaluated
     */
    public record Evaluation(List<TriggerFiring> firings, List<Failure> failures) {
        public Evaluation {
            firings = List.copyOf(firings);
            failures = List.copyOf(failures);
        }
    }

    /** A spec a pass could not fully evaluate, and why (one sentence). */
    public record Failure(String spec, String message) {
    }

    /** Evaluates every spec that is not paused as of {@code now}; returns the firings it logged. */
    public List<TriggerFiring> evaluate(Instant now) {
        return evaluateAll(now).firings();
    }

    /** As {@link #evaluate}, with the specs that could not be evaluated. */
    public Evaluation evaluateAll(Instant now) {
        Objects.requireNonNull(now, "now");
        // specs first: a spec and its state are added together, so a listed spec without a state was removed meanwhile
        List<StoredSpec> specs = metadata.specs().list();
        Map<String, SpecState> states = metadata.specs().states();
        List<TriggerFiring> firings = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (StoredSpec stored : specs) {
            SpecState state = states.get(stored.name());
            if (stored.paused() || state == null) {
                continue;
            }
            try {
                RefreshSpec spec = RefreshSpecYaml.read("'" + stored.name() + "' as stored", stored.yaml(), null);
                firings.addAll(evaluate(spec, state, states, now, failures));
            } catch (OrchestratorException e) {
                failures.add(new Failure(stored.name(), e.getMessage()));
                LOG.warn("could not evaluate the triggers of refresh spec {}: {}", stored.name(), e.getMessage(), e);
            }
        }
        return new Evaluation(firings, failures);
    }

    /**
     * Logs a manual firing of {@code spec} (paused or not) and returns it.
     *
     * @param detail who asked and why, for people
     */
    public TriggerFiring trigger(String spec, String detail) {
        Objects.requireNonNull(detail, "detail");
        if (metadata.specs().find(spec).isEmpty()) {
            throw Schedule.notFound(spec);
        }
        return TriggerFiring.of(metadata.specs().log(spec, new TriggerLogEntry.New(TriggerKind.MANUAL.name(), detail,
                clock.instant())));
    }

    /**
     * Records that run {@code runId} of {@code spec} finished; a success is what specs running
     * {@code after} it fire on (at their next pass). The runner calls this when a run of a spec
     * ends. Reporting the same run again changes nothing.
     *
     * @return false when {@code spec} is no longer registered (nothing is recorded)
     */
    public boolean recordRunFinished(String spec, String runId, boolean succeeded) {
        Objects.requireNonNull(runId, "runId");
        for (int attempt = 1; attempt <= MAX_RUN_REPORT_ATTEMPTS; attempt++) {
            Optional<SpecState> state = metadata.specs().state(spec);
            if (state.isEmpty()) {
                LOG.info("run {} of refresh spec {} finished after the spec was removed; not recorded", runId, spec);
                return false;
            }
            SpecState s = state.get();
            if (runId.equals(s.lastRunId()) && Boolean.valueOf(succeeded).equals(s.lastRunSucceeded())) {
                return true;
            }
            if (metadata.specs().commit(s.withRunFinished(runId, succeeded, clock.instant()), List.of()).isPresent()) {
                return true;
            }
        }
        throw new OrchestratorException("could not record the end of run " + runId + " of refresh spec " + spec
                + ": its trigger state kept changing under " + MAX_RUN_REPORT_ATTEMPTS + " attempts");
    }

    private List<TriggerFiring> evaluate(RefreshSpec spec, SpecState state, Map<String, SpecState> states, Instant now,
            List<Failure> failures) {
        Triggers t = spec.triggers();
        SpecState next = state;
        List<TriggerLogEntry.New> fired = new ArrayList<>();
        if (t.cron() != null) {
            if (state.cronCheckedAt() == null) {
                next = next.withCronCheckedAt(now);
            } else {
                CronSchedule.Window due = t.cron().dueBetween(state.cronCheckedAt(), now, MAX_COUNTED_DUE_TIMES);
                if (!due.isEmpty()) {
                    fired.add(firing(TriggerKind.CRON, cronDetail(t.cron(), due), now));
                    next = next.withCronCheckedAt(now);
                }
            }
        }
        if (t.onNewData()) {
            try {
                Optional<String> id = probe.snapshotId(spec.dataset(), spec.partitionFilter());
                String current = id.orElse(null);
                if (!state.dataSeen() || !Objects.equals(current, state.dataSnapshotId())) {
                    next = next.withData(current, now);
                    if (state.dataSeen() && current != null) {
                        fired.add(firing(TriggerKind.NEW_DATA, dataDetail(spec, state.dataSnapshotId(), current), now));
                    }
                }
            } catch (OrchestratorException e) {
                failures.add(new Failure(spec.name(), e.getMessage()));
                LOG.warn("new-data trigger of refresh spec {}: {}", spec.name(), e.getMessage(), e);
            }
        }
        if (t.onModelAlias()) {
            Integer version = metadata.findAlias(spec.model().name(), spec.model().alias()).map(Alias::version).orElse(null);
            if (!Objects.equals(version, state.aliasVersion())) {
                next = next.withAlias(version, now);
                if (version != null) {
                    fired.add(firing(TriggerKind.MODEL_ALIAS, aliasDetail(spec, state.aliasVersion(), version), now));
                }
            }
        }
        if (!t.after().isEmpty()) {
            Map<String, String> seen = new HashMap<>(state.upstreamRunsSeen());
            seen.keySet().retainAll(t.after());
            for (String upstream : t.after()) {
                String success = Optional.ofNullable(states.get(upstream)).map(SpecState::lastSuccessRunId).orElse(null);
                if (success != null && !success.equals(seen.get(upstream))) {
                    seen.put(upstream, success);
                    fired.add(firing(TriggerKind.AFTER, "spec '" + upstream + "' succeeded in run " + success, now));
                }
            }
            next = next.withUpstreamRunsSeen(seen);
        }
        if (fired.isEmpty() && next.sameObservations(state)) {
            return List.of();
        }
        Optional<List<TriggerLogEntry>> logged = metadata.specs().commit(next, fired);
        if (logged.isEmpty()) {
            // another evaluator (or a run report) moved the state since this pass read it: its
            // firings are logged there, and anything left over is seen by the next pass
            LOG.debug("trigger state of refresh spec {} moved during evaluation; left to the next pass", spec.name());
            return List.of();
        }
        return logged.get().stream().map(TriggerFiring::of).toList();
    }

    private static TriggerLogEntry.New firing(TriggerKind kind, String detail, Instant now) {
        return new TriggerLogEntry.New(kind.name(), detail, now);
    }

    private static String cronDetail(CronSchedule cron, CronSchedule.Window due) {
        String detail = "cron " + cron + " due at " + due.last();
        if (due.count() > 1) {
            detail += "; " + (due.count() >= MAX_COUNTED_DUE_TIMES ? "at least " : "") + (due.count() - 1)
                    + " earlier due time(s) since " + due.first() + " passed unevaluated and fire with it";
        }
        return detail;
    }

    private static String dataDetail(RefreshSpec spec, String before, String after) {
        return "data snapshot of " + spec.dataset() + (spec.where().isEmpty() ? "" : " where " + String.join(" and ", spec.where()))
                + " changed to " + after + " (was " + (before == null ? "no data files" : before) + ")";
    }

    private static String aliasDetail(RefreshSpec spec, Integer before, int after) {
        return "model alias " + spec.model() + (before == null ? " appeared at version " + after
                : " moved from version " + before + " to " + after);
    }
}
