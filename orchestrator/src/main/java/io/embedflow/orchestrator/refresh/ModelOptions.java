package io.embedflow.orchestrator.refresh;

import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.orchestrator.registry.ModelSnapshot;
import io.embedflow.orchestrator.registry.SnapshotStore;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.util.Map;
import java.util.Optional;

/**
 * How a job finds its model. A job in this JVM, or on a cluster whose task managers see the
 * registry's local files (a shared volume), reads the snapshot's cached directory. A job on a
 * cluster elsewhere with the registry on S3 gets the store and the snapshot id: each task manager
 * copies the snapshot into its own cache and verifies every file, so it shares nothing with the
 * orchestrator but the bucket.
 */
public final class ModelOptions {
    private ModelOptions() {
    }

    /** Puts the job options naming {@code snapshot} for a job run by {@code target}. */
    public static void put(Map<String, String> options, ModelSnapshot snapshot, SnapshotStore store, FlinkTarget target) {
        options.put(RefreshOptions.MODEL_SNAPSHOT_ID.key(), snapshot.id());
        Optional<String> location = store.location();
        if (location.isPresent() && ObjectStores.isS3(location.get()) && !target.inProcess()) {
            options.put(RefreshOptions.MODEL_STORE.key(), location.get());
        } else {
            options.put(RefreshOptions.MODEL_DIR.key(), snapshot.directory().toString());
        }
    }
}
