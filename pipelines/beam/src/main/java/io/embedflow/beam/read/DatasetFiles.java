package io.embedflow.beam.read;

import io.embedflow.connectors.shard.DatasetPlan;
import io.embedflow.connectors.store.ObjectStores;
import java.nio.file.Path;
import java.util.List;

/** How a dataset's files are named in rejected rows and error messages: relative to the dataset's root. */
public final class DatasetFiles {
    private DatasetFiles() {}

    /** The plan's files relative to its root, by file index. */
    public static List<String> relative(DatasetPlan plan) {
        if (ObjectStores.isS3(plan.root())) {
            return plan.files().stream().map(f -> f.substring(plan.root().length())).toList();
        }
        Path root = Path.of(plan.root());
        return plan.files().stream().map(f -> root.relativize(Path.of(f)).toString()).toList();
    }
}
