package io.embedflow.orchestrator.registry;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.Alias;
import io.embedflow.orchestrator.metadata.AliasMove;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
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
        return register(store.importDirectory(dir), name, dir.toAbsolutePath().normalize().toString()).version();
    }

    /**
     * The outcome of an import.
     *
     * @param created whether a new version was minted (false: the same content was already {@code version})
     */
    public record Imported(ModelVersion version, boolean created, SnapshotStore.ImportResult result) {}

    /**
     * Imports a model from a directory, an archive, an {@code s3://} prefix or a {@code djl://} URL
     * (see {@link ModelSources}); {@code validate} checks the local copy before anything is stored.
     */
    public Imported importFrom(String source, String name, ModelSources sources, Consumer<Path> validate) {
        return importFrom(source, name, sources, validate, ImportProgress.NONE);
    }

    /** As the other {@code importFrom}, telling {@code progress} how hashing and storing the local copy goes. */
    public Imported importFrom(String source, String name, ModelSources sources, Consumer<Path> validate, ImportProgress progress) {
        ModelVersion.requireValidName(name);
        return sources.withLocalCopy(source, dir -> {
            validate.accept(dir);
            return register(store.importDirectory(dir, progress), name, redactedSource(source));
        });
    }

    private static String redactedSource(String source) {
        return io.embedflow.connectors.redact.Redaction.redact(
                source.contains("://") ? source : Path.of(source).toAbsolutePath().normalize().toString());
    }

    private Imported register(SnapshotStore.ImportResult result, String name, String source) {
        ModelVersion.requireValidName(name);
        ModelSnapshot snapshot = result.snapshot();
        for (int attempt = 0; attempt < INSERT_ATTEMPTS; attempt++) {
            Optional<ModelVersion> existing = metadata.findModelVersionBySnapshot(name, snapshot.id());
            if (existing.isPresent()) {
                return new Imported(existing.get(), false, result);
            }
            int next = metadata.latestModelVersion(name).map(ModelVersion::version).orElse(0) + 1;
            ModelVersion version = new ModelVersion(name, next, snapshot.id(), clock.instant(), source);
            if (metadata.tryInsertModelVersion(version)) {
                return new Imported(version, true, result);
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
        if (ref.isAlias()) {
            Alias alias = metadata.findAlias(ref.name(), ref.alias()).orElseThrow(() -> aliasNotFound(ref));
            return metadata.findModelVersion(ref.name(), alias.version()).orElseThrow(() -> notFound(ref));
        }
        Optional<ModelVersion> found = ref.isLatest()
                ? metadata.latestModelVersion(ref.name())
                : metadata.findModelVersion(ref.name(), ref.version());
        return found.orElseThrow(() -> notFound(ref));
    }

    /**
     * Points {@code name@alias} at {@code target} and records the move (time, actor, reason).
     * With {@code expectedFrom} set, the move happens only if the alias still points there.
     */
    public AliasMove moveAlias(String name, String alias, ModelRef target, Integer expectedFrom, String actor,
            String reason, String detailsJson) {
        if (!target.name().equals(name)) {
            throw new OrchestratorException("alias " + name + "@" + alias + " can only point at versions of " + name
                    + ", not " + target);
        }
        ModelVersion version = resolve(target);
        return metadata.moveAlias(name, alias, version.version(), expectedFrom, actor, reason, detailsJson);
    }

    public AliasMove deleteAlias(String name, String alias, String actor, String reason) {
        metadata.findAlias(name, alias).orElseThrow(() -> aliasNotFound(ModelRef.alias(name, alias)));
        return metadata.deleteAlias(name, alias, actor, reason);
    }

    public List<Alias> aliases(String name) {
        return metadata.listAliases(name);
    }

    public List<Alias> aliasesOf(ModelVersion version) {
        return metadata.aliasesOfVersion(version.name(), version.version());
    }

    /** Every move of {@code name@alias} (or of all aliases of {@code name} when alias is null), oldest first. */
    public List<AliasMove> history(String name, String alias) {
        return metadata.aliasHistory(name, alias);
    }

    public List<ModelVersion> versions(String name) {
        return metadata.listModelVersions(name);
    }

    /** Deletes what no version or run references (see {@link SnapshotStore#gc}). */
    public SnapshotStore.GcReport gc(boolean dryRun) {
        return store.gc(metadata.referencedModelSnapshots(), dryRun);
    }

    private OrchestratorException aliasNotFound(ModelRef ref) {
        List<String> aliases = metadata.listAliases(ref.name()).stream().map(Alias::alias).toList();
        if (aliases.isEmpty() && metadata.listModelVersions(ref.name()).isEmpty()) {
            return notFound(ref);
        }
        List<String> close = CloseNames.of(ref.alias(), aliases);
        return new OrchestratorException("alias '" + ref + "' not found; "
                + (aliases.isEmpty() ? ref.name() + " has no aliases"
                        : (close.isEmpty() ? "aliases of " + ref.name() + ": " + String.join(", ", aliases)
                                : "did you mean " + close.stream().map(a -> ref.name() + "@" + a).collect(Collectors.joining(", ")) + "?")));
    }

    /** The snapshot behind {@code v}; an error if the snapshot store lacks it. */
    public ModelSnapshot snapshot(ModelVersion v) {
        Objects.requireNonNull(v, "v");
        return store.find(v.snapshotId()).orElseThrow(() -> new OrchestratorException("snapshot " + v.snapshotId()
                + " of model " + v.ref() + " is missing from snapshot store " + store.describe()));
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
        List<String> names = metadata.listModelVersions().stream().map(ModelVersion::name).distinct().toList();
        List<String> close = CloseNames.of(ref.name(), names);
        return new OrchestratorException("model '" + ref + "' not found; "
                + (names.isEmpty() ? "no models are registered yet"
                        : close.isEmpty() ? "known models: " + String.join(", ", names)
                                : "did you mean " + String.join(", ", close) + "?"));
    }
}
