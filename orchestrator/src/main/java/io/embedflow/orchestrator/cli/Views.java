package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.metadata.Alias;
import io.embedflow.orchestrator.metadata.AliasMove;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The CLI's records as maps for {@code --json} (stable keys, ISO-8601 times). */
final class Views {
    private Views() {}

    static Map<String, Object> version(ModelVersion v, List<Alias> aliases) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ref", v.ref());
        m.put("name", v.name());
        m.put("version", v.version());
        m.put("snapshotId", v.snapshotId());
        m.put("createdAt", v.createdAt().toString());
        m.put("source", v.source());
        m.put("aliases", aliases.stream().map(Alias::alias).toList());
        return m;
    }

    static Map<String, Object> move(AliasMove move) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alias", move.name() + "@" + move.alias());
        m.put("from", move.fromVersion() == null ? null : move.name() + "/" + move.fromVersion());
        m.put("to", move.toVersion() == null ? null : move.name() + "/" + move.toVersion());
        m.put("at", move.at().toString());
        m.put("actor", move.actor());
        m.put("reason", move.reason());
        m.put("details", move.detailsJson());
        return m;
    }

    static Object parse(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Object.class);
        } catch (java.io.IOException e) {
            return json;
        }
    }

    static Map<String, Object> run(RunRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("kind", r.kind());
        m.put("status", r.status().name());
        m.put("model", r.modelRef());
        m.put("modelSnapshotId", r.modelSnapshotId());
        m.put("dataSnapshotId", r.dataSnapshotId());
        m.put("input", r.inputPath());
        m.put("output", r.outputPath());
        m.put("codeVersion", r.codeVersion());
        m.put("config", r.configJson());
        m.put("rowsIn", r.rowsIn());
        m.put("rowsOut", r.rowsOut());
        m.put("rowsRejected", r.rowsRejected());
        m.put("rowsTruncated", r.rowsTruncated());
        m.put("startedAt", r.startedAt().toString());
        m.put("finishedAt", r.finishedAt() == null ? null : r.finishedAt().toString());
        m.put("durationSeconds", r.duration().toMillis() / 1000.0);
        m.put("rowsPerSecond", r.rowsPerSecond());
        m.put("replayOf", r.replayOf());
        m.put("spec", r.origin() == null ? null : r.origin().spec());
        m.put("triggerKind", r.origin() == null ? null : r.origin().triggerKind());
        m.put("triggerDetail", r.origin() == null ? null : r.origin().triggerDetail());
        m.put("triggerFiring", r.origin() == null ? null : r.origin().firing());
        m.put("queueRequest", r.origin() == null ? null : r.origin().queueRequest());
        m.put("logLocation", r.logLocation());
        m.put("error", r.error());
        return m;
    }
}
