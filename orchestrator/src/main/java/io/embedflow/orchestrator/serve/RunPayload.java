package io.embedflow.orchestrator.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.RunOrigin;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.schedule.RefreshSpecYaml;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a queued request of {@code serve} carries ({@code RunRequest#payloadJson}): the spec as it was
 * when its trigger fired, the model version its model URI resolved to then (the run uses that
 * version even if the alias moves before it starts; the move fires a run of its own), the inputs
 * its dedupe key was made of, and the firing.
 *
 * @param specYaml the spec's canonical YAML ({@link RefreshSpecYaml#write})
 * @param model the exact model version, {@code NAME/N}
 * @param modelSnapshotId that version's snapshot
 * @param dataSnapshotId the dataset's data snapshot when the firing was taken; null when it had no data files
 * @param firing the firing's number in the trigger log
 * @param triggerKind the firing's kind ({@code TriggerKind} name)
 * @param triggerDetail what caused it
 * @param firedAt when it fired (the start of its trigger-to-submit latency)
 */
public record RunPayload(String specYaml, String model, String modelSnapshotId, String dataSnapshotId, long firing,
        String triggerKind, String triggerDetail, Instant firedAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RunPayload {
        Objects.requireNonNull(specYaml, "specYaml");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(modelSnapshotId, "modelSnapshotId");
        Objects.requireNonNull(triggerKind, "triggerKind");
        Objects.requireNonNull(triggerDetail, "triggerDetail");
        Objects.requireNonNull(firedAt, "firedAt");
    }

    /** The spec, parsed. */
    public RefreshSpec spec() {
        return RefreshSpecYaml.read("spec of firing " + firing, specYaml, null);
    }

    /** The origin its runs record, for queue request {@code requestId}. */
    public RunOrigin origin(String spec, long requestId) {
        return new RunOrigin(spec, triggerKind, triggerDetail, firing, requestId);
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", specYaml);
        m.put("model", model);
        m.put("modelSnapshotId", modelSnapshotId);
        m.put("dataSnapshotId", dataSnapshotId);
        m.put("firing", firing);
        m.put("triggerKind", triggerKind);
        m.put("triggerDetail", triggerDetail);
        m.put("firedAt", firedAt.toString());
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new OrchestratorException("cannot encode the payload of firing " + firing, e);
        }
    }

    /** Reads what {@link #toJson} wrote; {@code what} names the request in errors. */
    public static RunPayload fromJson(String json, String what) {
        try {
            JsonNode n = JSON.readTree(json);
            return new RunPayload(text(n, "spec", what), text(n, "model", what), text(n, "modelSnapshotId", what),
                    n.path("dataSnapshotId").isTextual() ? n.path("dataSnapshotId").asText() : null, n.path("firing").asLong(),
                    text(n, "triggerKind", what), n.path("triggerDetail").asText(""), Instant.parse(text(n, "firedAt", what)));
        } catch (IOException | DateTimeParseException e) {
            throw new OrchestratorException("the payload of " + what + " is not JSON: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode node, String field, String what) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new OrchestratorException("the payload of " + what + " has no '" + field + "'; was it queued by `embedflow serve`?");
        }
        return value.asText();
    }
}
