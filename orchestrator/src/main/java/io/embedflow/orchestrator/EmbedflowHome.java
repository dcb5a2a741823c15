package io.embedflow.orchestrator;

import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.registry.SnapshotStore;
import java.nio.file.Path;

/**
 * The embedded default's state on local disk: {@code $EMBEDFLOW_HOME} (default
 * {@code ~/.embedflow}) holds {@code embedflow.db} (metadata) and {@code snapshots/}.
 */
public final class EmbedflowHome implements AutoCloseable {
    private final Path root;
    private final MetadataStore metadata;
    private final ModelRegistry registry;

    private EmbedflowHome(Path root) {
        this.root = root;
        this.metadata = MetadataStore.openSqlite(root.resolve("embedflow.db"));
        this.registry = new ModelRegistry(new SnapshotStore(root.resolve("snapshots")), metadata);
    }

    /** {@code explicit} when given, else {@code $EMBEDFLOW_HOME}, else {@code ~/.embedflow}. */
    public static Path resolve(Path explicit) {
        if (explicit != null) {
            return explicit.toAbsolutePath();
        }
        String env = System.getenv("EMBEDFLOW_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".embedflow");
    }

    public static EmbedflowHome open(Path root) {
        return new EmbedflowHome(root);
    }

    public Path root() {
        return root;
    }

    public MetadataStore metadata() {
        return metadata;
    }

    public ModelRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        metadata.close();
    }
}
