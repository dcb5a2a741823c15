package io.embedflow.orchestrator.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.OptionalInt;
import org.apache.flink.api.common.JobStatus;

/**
 * The few calls of Flink's REST API that follow and stop jobs ({@link FlinkTarget}'s defaults):
 * {@code GET /jobs/overview}, {@code GET /jobs/:id}, {@code PATCH /jobs/:id} (cancel),
 * {@code GET /jobs/:id/exceptions}, {@code GET /jobs/:id/accumulators} and {@code GET /overview}. Each call blocks for at most
 * {@link #TIMEOUT}. A cluster that cannot be reached is an {@link OrchestratorException} whose
 * cause is the I/O error (a {@link java.net.ConnectException} when refused), so callers can tell
 * a passing outage from a refusal.
 */
public final class FlinkRest {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private final URI rest;

    public FlinkRest(URI rest) {
        this.rest = rest;
    }

    /** The newest job named exactly {@code name}. */
    public Optional<FlinkJob> findJob(String name) {
        FlinkJob newest = null;
        for (JsonNode job : get("/jobs/overview").orElseThrow(() -> unexpected("/jobs/overview", 404)).path("jobs")) {
            if (name.equals(job.path("name").asText()) && (newest == null || job.path("start-time").asLong() > newest.startTime())) {
                newest = job(job);
            }
        }
        return Optional.ofNullable(newest);
    }

    /** Job {@code id}; empty when the cluster does not know it (never ran there, or forgotten). */
    public Optional<FlinkJob> job(String id) {
        return get("/jobs/" + id).map(FlinkRest::job);
    }

    /** Asks the cluster to cancel job {@code id}; false when it does not know the job. */
    public boolean cancel(String id) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(rest.resolve("/jobs/" + id + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()), "/jobs/" + id);
        if (response.statusCode() == 404) {
            return false;
        }
        if (response.statusCode() / 100 != 2 && !job(id).map(FlinkJob::isTerminal).orElse(false)) {
            // a job that already ended cannot be cancelled, which is what the caller wants; anything else is an error
            throw unexpected("/jobs/" + id, response.statusCode());
        }
        return true;
    }

    /** The newest failure the cluster recorded for job {@code id}: exception name and stack trace. */
    public Optional<String> failure(String id) {
        return get("/jobs/" + id + "/exceptions").flatMap(info -> {
            JsonNode entries = info.path("exceptionHistory").path("entries");
            if (entries.isEmpty()) {
                return Optional.empty();
            }
            JsonNode newest = entries.get(0);
            for (JsonNode entry : entries) {
                if (entry.path("timestamp").asLong() > newest.path("timestamp").asLong()) {
                    newest = entry;
                }
            }
            String trace = newest.path("stacktrace").asText("");
            return Optional.of(trace.isEmpty() ? newest.path("exceptionName").asText() : trace);
        });
    }

    /** The cluster's task slots, free or not. */
    public OptionalInt totalSlots() {
        JsonNode overview = get("/overview").orElseThrow(() -> unexpected("/overview", 404));
        JsonNode slots = overview.path("slots-total");
        return slots.isNumber() ? OptionalInt.of(slots.asInt()) : OptionalInt.empty();
    }

    /**
     * The user accumulators of job {@code id}, numbers where the value reads as one (Flink's REST API
     * gives every value as text); empty when the cluster does not know the job.
     */
    public Optional<Map<String, Object>> accumulators(String id) {
        return get("/jobs/" + id + "/accumulators").map(info -> {
            Map<String, Object> accumulators = new TreeMap<>();
            for (JsonNode acc : info.path("user-task-accumulators")) {
                String value = acc.path("value").asText();
                accumulators.put(acc.path("name").asText(), number(value).orElse(value));
            }
            return accumulators;
        });
    }

    private static Optional<Object> number(String value) {
        try {
            return Optional.of(Long.parseLong(value));
        } catch (NumberFormatException notLong) {
            try {
                return Optional.of(Double.parseDouble(value));
            } catch (NumberFormatException notNumber) {
                return Optional.empty();
            }
        }
    }

    private static FlinkJob job(JsonNode job) {
        return new FlinkJob(job.path("jid").asText(), job.path("name").asText(), JobStatus.valueOf(job.path("state").asText()),
                job.path("start-time").asLong());
    }

    /** The JSON at {@code path}; empty on 404. */
    private Optional<JsonNode> get(String path) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(rest.resolve(path)).GET(), path);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw unexpected(path, response.statusCode());
        }
        try {
            return Optional.of(JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new OrchestratorException("Flink at " + rest + " answered " + path + " with something that is not JSON", e);
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String path) {
        try {
            return HTTP.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new OrchestratorException("cannot reach Flink at " + rest + " for " + path + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OrchestratorException("interrupted while calling Flink at " + rest + " for " + path, e);
        }
    }

    private OrchestratorException unexpected(String path, int status) {
        return new OrchestratorException("Flink at " + rest + " answered " + path + " with HTTP " + status);
    }
}
