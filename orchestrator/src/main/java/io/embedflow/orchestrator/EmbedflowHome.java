package io.embedflow.orchestrator;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.registry.ModelSources;
import io.embedflow.orchestrator.registry.SnapshotStore;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Where embedflow keeps its state. {@code $EMBEDFLOW_HOME} (default {@code ~/.embedflow}) holds
 * the local snapshot cache and, unless configured elsewhere, everything else:
 * <ul>
 *   <li>metadata: {@code $EMBEDFLOW_DB} (a JDBC URL: SQLite or PostgreSQL), default
 *       {@code jdbc:sqlite:$EMBEDFLOW_HOME/embedflow.db};</li>
 *   <li>snapshot blobs: {@code $EMBEDFLOW_STORE} (a directory or {@code s3://bucket/prefix}),
 *       default {@code $EMBEDFLOW_HOME/store}; S3 settings from {@link S3Settings#fromEnvironment()}.</li>
 * </ul>
 */
public final class EmbedflowHome implements AutoCloseable {
    private final Path root;
    private final MetadataStore metadata;
    private final SnapshotStore snapshots;
    private final ModelRegistry registry;
    private final ModelSources sources;
    private final String storeLocation;

    private EmbedflowHome(Path root, String db, String store, S3Settings s3) {
        this.root = root;
        this.storeLocation = store;
        try {
            java.nio.file.Files.createDirectories(root);
        } catch (java.io.IOException e) {
            throw new OrchestratorException("cannot create the state directory " + root + ": " + e.getMessage(), e);
        }
        this.metadata = MetadataStore.open(db);
        try {
            this.snapshots = new SnapshotStore(store, ObjectStores.open(store, s3), root.resolve("cache/snapshots"),
                    Clock.systemUTC());
        } catch (RuntimeException e) {
            metadata.close();
            throw e;
        }
        this.registry = new ModelRegistry(snapshots, metadata);
        this.sources = new ModelSources(s3, root.resolve("tmp"));
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

    /** Opens the state under {@code root}, with metadata and store locations from the environment. */
    public static EmbedflowHome open(Path root) {
        return open(root, null, null);
    }

    /** Opens the state under {@code root}; a null database or store falls back to the environment, then the defaults. */
    public static EmbedflowHome open(Path root, String db, String store) {
        String jdbc = firstSet(db, System.getenv("EMBEDFLOW_DB"), "jdbc:sqlite:" + root.resolve("embedflow.db"));
        String objects = firstSet(store, System.getenv("EMBEDFLOW_STORE"), root.resolve("store").toString());
        return open(root, jdbc, objects, S3Settings.fromEnvironment());
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        throw new IllegalArgumentException("no value");
    }

    public static EmbedflowHome open(Path root, String jdbcUrl, String store, S3Settings s3) {
        return new EmbedflowHome(root, jdbcUrl, store, s3);
    }

    public Path root() {
        return root;
    }

    public MetadataStore metadata() {
        return metadata;
    }

    /** Where the object store is, as given: a directory or {@code s3://bucket/prefix/}. */
    public String storeLocation() {
        return storeLocation;
    }

    public SnapshotStore snapshots() {
        return snapshots;
    }

    public ModelRegistry registry() {
        return registry;
    }

    public ModelSources sources() {
        return sources;
    }

    @Override
    public void close() {
        try {
            snapshots.objects().close();
        } finally {
            metadata.close();
        }
    }
}
