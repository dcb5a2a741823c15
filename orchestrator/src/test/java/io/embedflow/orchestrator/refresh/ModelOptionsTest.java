package io.embedflow.orchestrator.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.store.MemoryObjectStore;
import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.orchestrator.registry.ModelSnapshot;
import io.embedflow.orchestrator.registry.SnapshotStore;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which jobs get the snapshot's cached directory and which copy it from the store themselves. */
class ModelOptionsTest {
    private static final String ID = "ab".repeat(32);

    @TempDir
    Path tmp;

    @Test
    void aClusterElsewhereCopiesFromAnS3StoreEverythingElseReadsTheCachedDirectory() {
        SnapshotStore onS3 = new SnapshotStore("s3://models/embedflow", new MemoryObjectStore(), tmp, Clock.systemUTC());
        SnapshotStore onDisk = new SnapshotStore(tmp.resolve("store"));
        SnapshotStore unnamed = new SnapshotStore(new MemoryObjectStore(), tmp, Clock.systemUTC());
        ModelSnapshot snapshot = new ModelSnapshot(ID, List.of(), tmp.resolve("cache").resolve(ID));

        assertThat(options(snapshot, onS3, target(false))).isEqualTo(Map.of(
                RefreshOptions.MODEL_SNAPSHOT_ID.key(), ID, RefreshOptions.MODEL_STORE.key(), "s3://models/embedflow"));
        Map<String, String> cached = Map.of(RefreshOptions.MODEL_SNAPSHOT_ID.key(), ID,
                RefreshOptions.MODEL_DIR.key(), snapshot.directory().toString());
        assertThat(options(snapshot, onS3, target(true))).as("in this JVM: the copy it already has").isEqualTo(cached);
        assertThat(options(snapshot, onDisk, target(false))).as("a store on disk: a shared volume").isEqualTo(cached);
        assertThat(options(snapshot, unnamed, target(false))).isEqualTo(cached);
    }

    private static Map<String, String> options(ModelSnapshot snapshot, SnapshotStore store, FlinkTarget target) {
        Map<String, String> options = new TreeMap<>();
        ModelOptions.put(options, snapshot, store, target);
        return options;
    }

    private static FlinkTarget target(boolean inProcess) {
        return new FlinkTarget() {
            @Override
            public URI restAddress() {
                return URI.create("http://127.0.0.1:8081");
            }

            @Override
            public Configuration clientConfiguration() {
                return new Configuration();
            }

            @Override
            public boolean inProcess() {
                return inProcess;
            }

            @Override
            public void close() {
            }
        };
    }
}
