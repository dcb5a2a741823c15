package io.embedflow.orchestrator.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** Reads a running job's operator counters through Flink's REST API (summed over subtasks). */
public final class JobMetrics {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI rest;
    private final String jobId;

    public JobMetrics(URI rest, String jobId) {
        this.rest = rest;
        this.jobId = jobId;
    }

    /**
     * The sum of the counter {@code metric} of the vertex whose name contains {@code vertexName};
     * empty while the job or the metric is not there yet.
     */
    public OptionalLong counter(String vertexName, String metric) {
        try {
            JsonNode job = get("/jobs/" + jobId);
            for (JsonNode vertex : job.path("vertices")) {
                if (!vertex.path("name").asText().contains(vertexName)) {
                    continue;
                }
                String base = "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
                for (JsonNode m : get(base)) {
                    String id = m.path("id").asText();
                    if (id.endsWith("." + metric)) {
                        JsonNode values = get(base + "?get=" + id + "&agg=sum");
                        if (values.size() > 0) {
                            return OptionalLong.of((long) values.get(0).path("sum").asDouble());
                        }
                    }
                }
            }
            return OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    /**
     * The sum of the counters {@code metrics} of the vertex whose name contains {@code vertexName}, each summed
     * over subtasks, read in one request once the vertex is found; empty while none of them is there yet.
     */
    public OptionalLong sum(String vertexName, String... metrics) {
        try {
            for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
                if (!vertex.path("name").asText().contains(vertexName)) {
                    continue;
                }
                String base = "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
                List<String> ids = new ArrayList<>();
                for (JsonNode m : get(base)) {
                    String id = m.path("id").asText();
                    for (String metric : metrics) {
                        if (id.endsWith("." + metric)) {
                            ids.add(id);
                        }
                    }
                }
                if (ids.isEmpty()) {
                    return OptionalLong.empty();
                }
                long total = 0;
                for (JsonNode value : get(base + "?get=" + String.join(",", ids) + "&agg=sum")) {
                    total += (long) value.path("sum").asDouble();
                }
                return OptionalLong.of(total);
            }
            return OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " for " + path);
        }
        return JSON.readTree(response.body());
    }
}
