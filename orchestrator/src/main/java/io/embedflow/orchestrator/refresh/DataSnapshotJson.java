package io.embedflow.orchestrator.refresh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.shard.DataFile;
import io.embedflow.connectors.shard.DataSnapshot;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A data snapshot's file list as JSON, as the metadata store keeps it for replays. */
public final class DataSnapshotJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DataSnapshotJson() {}

    public static String encode(DataSnapshot snapshot) {
        List<Map<String, Object>> files = new ArrayList<>();
        for (DataFile f : snapshot.files()) {
            files.add(Map.of("path", f.relativePath(), "size", f.sizeBytes(), "sha256", f.sha256()));
        }
        try {
            return JSON.writeValueAsString(files);
        } catch (IOException e) {
            throw new OrchestratorException("cannot encode data snapshot " + snapshot.id(), e);
        }
    }

    public static List<DataFile> decode(String json) {
        try {
            List<DataFile> files = new ArrayList<>();
            for (JsonNode f : JSON.readTree(json)) {
                files.add(new DataFile(f.path("path").asText(), f.path("size").asLong(), f.path("sha256").asText()));
            }
            return files;
        } catch (IOException e) {
            throw new OrchestratorException("cannot read a stored data snapshot: " + e.getMessage(), e);
        }
    }
}
