package io.embedflow.orchestrator.http.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.lineage.TableLineage;
import io.embedflow.orchestrator.metadata.Alias;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.SpecState;
import io.embedflow.orchestrator.schedule.RefreshSpecYaml;
import io.embedflow.orchestrator.schedule.Schedule;
import io.embedflow.orchestrator.schedule.ScheduledSpec;
import io.embedflow.orchestrator.schedule.TriggerFiring;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the web UI's JSON API reads, from the metadata store, the model registry and the report
 * directory of one embedflow home. Every call is a few short queries of the metadata store (which
 * serializes them with serve's own); safe to call from several request threads.
 */
final class UiApi {

    static final int DEFAULT_RUNS = 50;
    static final int MAX_RUNS = 500;
    /** Runs a model's or a spec's page lists. */
    static final int RUNS_SHOWN = 20;
    static final int FIRINGS_SHOWN = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmbedflowHome home;
    private final ReportFiles reports;
    private final Clock clock;

    UiApi(EmbedflowHome home, ReportFiles reports, Clock clock) {
        this.home = home;
        this.reports = reports;
        this.clock = clock;
    }

    /** The newest {@code limit} runs, newest first. */
    List<UiViews.Run> runs(int limit) {
        Instant now = clock.instant();
        return home.metadata().listRuns(limit).stream().map(r -> view(r, now)).toList();
    }

    /** The run with this id (or unique prefix), with its config and metrics. */
    Optional<UiViews.RunDetail> run(String id) {
        return home.metadata().findRun(id).map(r -> new UiViews.RunDetail(view(r, clock.instant()), parse(r.configJson()),
                home.metadata().findRunMetrics(r.id()).map(UiApi::parse).orElse(null)));
    }

    /** Every model, by name. */
    List<UiViews.ModelSummary> models() {
        Map<String, List<ModelVersion>> byName = new LinkedHashMap<>();
        for (ModelVersion v : home.metadata().listModelVersions()) {
            byName.computeIfAbsent(v.name(), n -> new ArrayList<>()).add(v);
        }
        List<UiViews.ModelSummary> out = new ArrayList<>();
        byName.forEach((name, versions) -> {
            ModelVersion latest = versions.get(versions.size() - 1);
            out.add(new UiViews.ModelSummary(name, versions.size(), latest.ref(), latest.createdAt().toString(),
                    home.registry().aliases(name).stream().map(UiViews.AliasView::of).toList()));
        });
        return out;
    }

    /** Model {@code name}'s versions, aliases, alias history and the runs of its snapshots; empty for an unknown name. */
    Optional<UiViews.ModelDetail> model(String name) {
        if (!ModelVersion.isValidName(name)) {
            return Optional.empty();
        }
        List<ModelVersion> versions = home.metadata().listModelVersions(name);
        if (versions.isEmpty()) {
            return Optional.empty();
        }
        List<Alias> aliases = home.registry().aliases(name);
        List<UiViews.Move> history = new ArrayList<>(home.registry().history(name, null).stream().map(UiViews.Move::of).toList());
        java.util.Collections.reverse(history);
        Instant now = clock.instant();
        List<UiViews.Run> runs = versions.stream().map(ModelVersion::snapshotId).distinct()
                .flatMap(id -> home.metadata().runsByModelSnapshot(id).stream())
                .sorted(Comparator.comparing(RunRecord::startedAt).thenComparing(RunRecord::id).reversed())
                .limit(RUNS_SHOWN).map(r -> view(r, now)).toList();
        return Optional.of(new UiViews.ModelDetail(name, versions.stream().map(v -> UiViews.Version.of(v, aliases)).toList(),
                aliases.stream().map(UiViews.AliasView::of).toList(), history, runs));
    }

    /** The registered refresh specs, by name. */
    List<UiViews.Spec> specs() {
        Schedule schedule = new Schedule(home.metadata(), clock);
        Map<String, SpecState> states = home.metadata().specs().states();
        Instant now = clock.instant();
        return schedule.list().stream().map(s -> spec(s, states.getOrDefault(s.name(), SpecState.initial(s.name())),
                schedule.firings(s.name(), 1), now)).toList();
    }

    /** Spec {@code name} in full; empty when there is no such spec. */
    Optional<UiViews.SpecDetail> spec(String name) {
        Schedule schedule = new Schedule(home.metadata(), clock);
        Optional<ScheduledSpec> found = schedule.find(name);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        ScheduledSpec s = found.get();
        SpecState state = schedule.state(name);
        List<TriggerFiring> firings = schedule.firings(name, FIRINGS_SHOWN);
        Instant now = clock.instant();
        return Optional.of(new UiViews.SpecDetail(spec(s, state, firings, now), RefreshSpecYaml.write(s.spec()), state(state),
                firings.stream().map(f -> new UiViews.Firing(f.id(), f.kind().name(), f.detail(), f.firedAt().toString())).toList(),
                home.metadata().runsOfSpec(name, RUNS_SHOWN).stream().map(r -> view(r, now)).toList()));
    }

    /**
     * The lineage of {@code table}, when a run of this home recorded it as its output (the UI shows
     * nothing about other paths); empty otherwise.
     *
     * @throws OrchestratorException when the table's manifest cannot be read (moved, deleted, unreachable)
     */
    Optional<UiViews.Lineage> lineage(String table) {
        if (table == null || table.isBlank() || home.metadata().runsByOutput(table).isEmpty()) {
            return Optional.empty();
        }
        TableLineage l;
        try {
            l = TableLineage.of(home, table);
        } catch (RuntimeException e) {
            throw new OrchestratorException("the manifest of table " + table + " cannot be read: " + e.getMessage(), e);
        }
        return Optional.of(new UiViews.Lineage(l.table(), l.rows(), l.rejected(), l.dimension(), l.createdAt().toString(),
                l.model().snapshotId(), l.model().recordedAs(), l.model().versions().stream().map(ModelVersion::ref).toList(),
                l.model().aliases().stream().map(Alias::ref).toList(), l.model().inStore(), l.data().snapshotId(),
                l.data().root().orElse(null), l.data().files().stream()
                        .map(f -> new UiViews.DataFileView(f.relativePath(), f.sizeBytes(), f.sha256())).toList(),
                l.runId(), l.run().map(r -> view(r, clock.instant())).orElse(null)));
    }

    private UiViews.Run view(RunRecord r, Instant now) {
        // a finished run's report is written on request if it is missing
        return UiViews.Run.of(r, now, reports.linkFor(r.id())
                .orElse(r.status().isTerminal() ? ReportFiles.PATH + r.id() + ".html" : null));
    }

    private static UiViews.Spec spec(ScheduledSpec s, SpecState state, List<TriggerFiring> last, Instant now) {
        TriggerFiring fired = last.isEmpty() ? null : last.get(0);
        return new UiViews.Spec(s.name(), s.spec().tenant(), s.spec().priority(), s.paused() ? "paused" : "active",
                s.spec().model().toString(), s.spec().triggers().describe(), fired == null ? null : fired.firedAt().toString(),
                fired == null ? null : fired.kind().name(), s.nextCronDue(state, now).map(Instant::toString).orElse(null));
    }

    private static Map<String, Object> state(SpecState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cronCheckedAt", text(s.cronCheckedAt()));
        m.put("dataSnapshotId", s.dataSnapshotId());
        m.put("dataSeenAt", text(s.dataSeenAt()));
        m.put("aliasVersion", s.aliasVersion());
        m.put("aliasSeenAt", text(s.aliasSeenAt()));
        m.put("upstreamRunsSeen", new TreeMap<>(s.upstreamRunsSeen()));
        m.put("lastRunId", s.lastRunId());
        m.put("lastRunSucceeded", s.lastRunSucceeded());
        m.put("lastRunFinishedAt", text(s.lastRunFinishedAt()));
        m.put("lastSuccessRunId", s.lastSuccessRunId());
        m.put("lastSuccessAt", text(s.lastSuccessAt()));
        return m;
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }

    /** A stored JSON document as a tree; as text when it does not parse (stored before it was checked). */
    private static Object parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            return json;
        }
    }
}
