package io.embedflow.orchestrator.registry;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Named, numbered model versions over content-addressed snapshots: {@code minilm/3} points at
 * one snapshot forever. Importing the same content under the same name again returns the
 * existing version instead of minting a new one.
 *
 * <p>Threading: as safe as its two stores, i.e. usable from several threads and processes at
 * once; concurrent imports of one name get distinct versions. The registry owns neither store.
 *
 * <pre>{@code
 * ModelRegistry registry = new ModelRegistry(new SnapshotStore(home.resolve("snapshots")), metadata);
 * ModelVersion v = registry.importModel(Path.of("models/starter/model"), "starter");   // starter/1
 * ModelSnapshot snapshot = registry.snapshot(registry.resolve(ModelRef.parse("starter")));
 * }</pre>
 */
public final class ModelRegistry {

    /** Attempts at "latest + 1" before giving up when other writers keep taking the number. */
    private static final int INSERT_ATTEMPTS = 20;

    private final SnapshotStore store;
    private final MetadataStore metadata;
    private final Clock clock;

    public ModelRegistry(SnapshotStore store, MetadataStore metadata) {
        this(store, metadata, Clock.systemUTC());
    }

    public ModelRegistry(SnapshotStore store, MetadataStore metadata, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public SnapshotStore store() {
        return store;
    }

    /**
     * Imports {@code dir} as a snapshot and registers it under {@code name}: returns the existing
     * version of {@code name} with the same content if there is one, else a new version
     * (latest + 1, or 1 for a new name) whose source is {@code dir}'s absolute path.
     */
    public ModelVersion importModel(Path dir, String name) {
        ModelVersion.requireValidName(name);
        ModelSnapshot snapshot = store.importDirectory(dir);
        String source = dir.toAbsolutePath().normalize().toString();
        for (int attempt = 0; attempt < INSERT_ATTEMPTS; attempt++) {
            Optional<ModelVersion> existing = metadata.findModelVersionBySnapshot(name, snapshot.id());
            if (existing.isPresent()) {
                return existing.get();
            }
            int next = metadata.latestModelVersion(name).map(ModelVersion::version).orElse(0) + 1;
            ModelVersion version = new ModelVersion(name, next, snapshot.id(), clock.instant(), source);
            if (metadata.tryInsertModelVersion(version)) {
                return version;
            }
            // another writer took this number between our read and our insert; look again
        }
        throw new OrchestratorException("could not register a new version of model '" + name + "' after "
                + INSERT_ATTEMPTS + " attempts: other imports kept taking the next version number");
    }

    /**
     * The version {@code ref} names (its latest version when {@code ref} has none).
     *
     * @throws OrchestratorException naming the reference and the known versions when there is no such version
     */
    public ModelVersion resolve(ModelRef ref) {
        Objects.requireNonNull(ref, "ref");
        Optional<ModelVersion> found = ref.isLatest()
                ? metadata.latestModelVersion(ref.name())
                : metadata.findModelVersion(ref.name(), ref.version());
        return found.orElseThrow(() -> notFound(ref));
    }

    /** The snapshot behind {@code v}; an error if the snapshot store lacks it. */
    public ModelSnapshot snapshot(ModelVersion v) {
        Objects.requireNonNull(v, "v");
        return store.find(v.snapshotId()).orElseThrow(() -> new OrchestratorException("snapshot " + v.snapshotId()
                + " of model " + v.ref() + " is missing from snapshot store " + store.root()));
    }

    /** Every version of every model, by name, then version. */
    public List<ModelVersion> list() {
        return metadata.listModelVersions();
    }

    private OrchestratorException notFound(ModelRef ref) {
        List<ModelVersion> versions = metadata.listModelVersions(ref.name());
        if (!versions.isEmpty()) {
            String known = versions.stream().map(v -> Integer.toString(v.version())).collect(Collectors.joining(", "));
            return new OrchestratorException("model '" + ref + "' not found; known versions of " + ref.name() + ": " + known);
        }
        String names = metadata.listModelVersions().stream().map(ModelVersion::name).distinct()
                .collect(Collectors.joining(", "));
        return new OrchestratorException("model '" + ref + "' not found; "
                + (names.isEmpty() ? "no models are registered yet" : "known models: " + names));
    }
}
