package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.metadata.SpecState;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.schedule.RefreshSpecYaml;
import io.embedflow.orchestrator.schedule.ScheduledSpec;
import io.embedflow.orchestrator.schedule.TriggerFiring;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** The schedule's records as text and as maps for {@code --json} (stable keys, ISO-8601 times). */
final class ScheduleViews {
    private ScheduleViews() {}

    /** The triggers in a few words: {@code cron '0 3 * * *' (UTC), new data, alias, after a, manual}. */
    static String triggers(RefreshSpec spec) {
        return spec.triggers().describe();
    }

    static Map<String, Object> summary(ScheduledSpec s, List<TriggerFiring> last) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("tenant", s.spec().tenant());
        m.put("priority", s.spec().priority());
        m.put("status", status(s));
        m.put("model", s.spec().model().toString());
        m.put("triggers", triggers(s.spec()));
        m.put("lastFired", last.isEmpty() ? null : last.get(0).firedAt().toString());
        m.put("lastFiringId", last.isEmpty() ? null : last.get(0).id());
        m.put("lastFiredKind", last.isEmpty() ? null : last.get(0).kind().name());
        return m;
    }

    static Map<String, Object> detail(ScheduledSpec s, SpecState state, List<TriggerFiring> firings, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("status", status(s));
        m.put("createdAt", s.createdAt().toString());
        m.put("updatedAt", s.updatedAt().toString());
        m.put("nextCronDue", nextCronDue(s, state, now));
        m.put("spec", RefreshSpecYaml.toMap(s.spec()));
        m.put("state", state(state, Instant::toString));
        m.put("firings", firings.stream().map(ScheduleViews::firing).toList());
        return m;
    }

    static void printDetail(PrintWriter out, ScheduledSpec s, SpecState state, List<TriggerFiring> firings, Instant now) {
        line(out, "name", s.name());
        line(out, "status", status(s));
        line(out, "triggers", triggers(s.spec()));
        String next = nextCronDue(s, state, now);
        if (next != null) {
            line(out, "next cron due", next);
        }
        line(out, "created", seconds(s.createdAt()));
        line(out, "updated", seconds(s.updatedAt()));
        out.println();
        out.println("spec:");
        RefreshSpecYaml.write(s.spec()).lines().forEach(l -> out.println("  " + l));
        out.println();
        out.println("trigger state:");
        for (Map.Entry<String, Object> e : state(state, ScheduleViews::seconds).entrySet()) {
            line(out, "  " + e.getKey(), e.getValue());
        }
        out.println();
        out.println("last firings:");
        if (firings.isEmpty()) {
            out.println("  none");
        }
        for (TriggerFiring f : firings) {
            out.printf("  %-6d %-20s %-11s %s%n", f.id(), seconds(f.firedAt()), f.kind(), f.detail());
        }
    }

    private static Map<String, Object> state(SpecState s, Function<Instant, String> time) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cronCheckedAt", text(s.cronCheckedAt(), time));
        m.put("dataSnapshotId", s.dataSnapshotId());
        m.put("dataSeenAt", text(s.dataSeenAt(), time));
        m.put("aliasVersion", s.aliasVersion());
        m.put("aliasSeenAt", text(s.aliasSeenAt(), time));
        m.put("upstreamRunsSeen", new TreeMap<>(s.upstreamRunsSeen()));
        m.put("lastRunId", s.lastRunId());
        m.put("lastRunSucceeded", s.lastRunSucceeded());
        m.put("lastRunFinishedAt", text(s.lastRunFinishedAt(), time));
        m.put("lastSuccessRunId", s.lastSuccessRunId());
        m.put("lastSuccessAt", text(s.lastSuccessAt(), time));
        return m;
    }

    private static Map<String, Object> firing(TriggerFiring f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", f.id());
        m.put("kind", f.kind().name());
        m.put("detail", f.detail());
        m.put("firedAt", f.firedAt().toString());
        return m;
    }

    private static String nextCronDue(ScheduledSpec s, SpecState state, Instant now) {
        return s.nextCronDue(state, now).map(Instant::toString).orElse(null);
    }

    private static String status(ScheduledSpec s) {
        return s.paused() ? "paused" : "active";
    }

    private static String text(Instant t, Function<Instant, String> time) {
        return t == null ? null : time.apply(t);
    }

    /** An instant to the second, for people. */
    static String seconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static void line(PrintWriter out, String key, Object value) {
        out.printf("%-20s %s%n", key, value == null ? "-" : value);
    }
}
