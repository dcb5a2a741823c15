package io.embedflow.orchestrator.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.files.FileTrees;
import io.embedflow.connectors.snapshot.SnapshotCache;
import io.embedflow.connectors.snapshot.SnapshotFile;
import io.embedflow.connectors.snapshot.SnapshotManifest;
import io.embedflow.connectors.store.LocalObjectStore;
import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed model snapshots over an {@link ObjectStore} (local disk or S3):
 * <pre>
 * blobs/sha256/ab/abcd…      one object per distinct file content, shared by every snapshot that has it
 * snapshots/&lt;id&gt;.json        the manifest (files sorted by path, with size and SHA-256); id = its SHA-256
 * pending/&lt;uuid&gt;.json        blobs an import in progress has written but not yet named in a manifest
 * </pre>
 * A snapshot becomes visible only when its manifest is written, after all its blobs: a crash
 * mid-import leaves unreferenced blobs (collected by {@link #gc}) and never a partial snapshot.
 * Snapshots are used from a local cache ({@code cacheRoot/<id>/}) materialised from the blobs;
 * every {@link #load} re-hashes the cached files and refuses one that changed, naming it.
 *
 * <p>Thread- and process-safe as far as the object store is: blobs and manifests are written
 * with put-if-absent, and the same content always gets the same key.
 */
public final class SnapshotStore {
    static final String BLOBS = SnapshotCache.BLOBS;
    static final String SNAPSHOTS = SnapshotCache.SNAPSHOTS;
    static final String PENDING = "pending/";
    /** An import younger than this is assumed alive: its blobs are not collected. */
    static final Duration PENDING_GRACE = Duration.ofHours(24);

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String location;
    private final ObjectStore objects;
    private final Path cacheRoot;
    private final Clock clock;

    /** A store on local disk: objects under {@code root/objects}, the cache under {@code root/cache}. */
    public SnapshotStore(Path root) {
        this(root.resolve("objects").toAbsolutePath().toString(), new LocalObjectStore(root.resolve("objects")),
                root.resolve("cache"), Clock.systemUTC());
    }

    /** A store whose objects cannot be reached by a location string (jobs then get the cached directory). */
    public SnapshotStore(ObjectStore objects, Path cacheRoot, Clock clock) {
        this(null, objects, cacheRoot, clock);
    }

    /**
     * @param location where {@code objects} live, as {@link io.embedflow.connectors.store.ObjectStores#open} takes it;
     *     jobs on other machines copy snapshots from there ({@link #location()})
     */
    public SnapshotStore(String location, ObjectStore objects, Path cacheRoot, Clock clock) {
        this.location = location;
        this.objects = Objects.requireNonNull(objects, "objects");
        this.cacheRoot = Objects.requireNonNull(cacheRoot, "cacheRoot").toAbsolutePath().normalize();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public ObjectStore objects() {
        return objects;
    }

    public String describe() {
        return objects.describe();
    }

    /** The objects' location ({@code s3://bucket/prefix} or a directory), when known. */
    public Optional<String> location() {
        return Optional.ofNullable(location);
    }

    /**
     * What one import did.
     *
     * @param bytesStored bytes of file content that were not in the store before (the rest was deduplicated)
     * @param created whether the snapshot itself is new
     */
    public record ImportResult(ModelSnapshot snapshot, long bytes, long bytesStored, boolean created) {
        /** Share of the content that was already stored, 0..1. */
        public double dedupeRatio() {
            return bytes == 0 ? 0 : 1.0 - (double) bytesStored / bytes;
        }
    }

    /** Imports a local directory (links may not point outside it). */
    public ImportResult importDirectory(Path dir) {
        return importDirectory(dir, ImportProgress.NONE);
    }

    /** As {@link #importDirectory(Path)}, telling {@code progress} how many bytes are hashed and stored. */
    public ImportResult importDirectory(Path dir, ImportProgress progress) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(progress, "progress");
        refuseDirectoryHolding(dir, cacheRoot);
        if (objects instanceof LocalObjectStore local) {
            refuseDirectoryHolding(dir, local.root());
        }
        List<SourceTree.Entry> sources = SourceTree.list(dir);
        String pendingKey = PENDING + UUID.randomUUID() + ".json";
        List<SnapshotFile> files = new ArrayList<>(sources.size());
        long bytes = 0;
        long stored = 0;
        long[] done = {0};
        progress.planned(2 * plannedBytes(sources));
        try {
            for (SourceTree.Entry source : sources) {
                SnapshotFile file = hashFile(source.path(), source.source(), read -> progress.progress(done[0] += read));
                files.add(file);
                bytes += file.size();
            }
            objects.putBytes(pendingKey, pendingMarker(files));
            for (int i = 0; i < files.size(); i++) {
                SnapshotFile file = files.get(i);
                if (objects.putIfAbsent(blobKey(file.sha256()), sources.get(i).source())) {
                    stored += file.size();
                }
                progress.progress(done[0] += file.size());
            }
            byte[] manifest = SnapshotManifest.encode(files);
            String id = SnapshotManifest.sha256Hex(manifest);
            String manifestKey = SNAPSHOTS + id + ".json";
            // written last, whole: the snapshot exists from here on (same id, same bytes: a race is harmless)
            boolean created = !objects.exists(manifestKey);
            if (created) {
                objects.putBytes(manifestKey, manifest);
            }
            LOG.info("imported {} as snapshot {} ({} files, {} bytes, {} new)", dir, id, files.size(), bytes, stored);
            return new ImportResult(new ModelSnapshot(id, files, cacheRoot.resolve(id)), bytes, stored, created);
        } finally {
            progress.finished();
            objects.delete(pendingKey);
        }
    }

    private static long plannedBytes(List<SourceTree.Entry> sources) {
        long total = 0;
        for (SourceTree.Entry source : sources) {
            try {
                total += Files.size(source.source());
            } catch (IOException e) {
                throw new OrchestratorException("cannot read '" + source.path() + "' (" + source.source() + "): " + e.getMessage(), e);
            }
        }
        return total;
    }

    /** The manifest of snapshot {@code id}, if the store has it; it must hash to its id. */
    public Optional<List<SnapshotFile>> manifest(String id) {
        try {
            return cache().manifest(id);
        } catch (ConnectorException e) {
            throw new OrchestratorException(e.getMessage(), e);
        }
    }

    /** Whether the store has snapshot {@code id} (its manifest; blobs are checked on load). */
    public boolean contains(String id) {
        return manifest(id).isPresent();
    }

    /**
     * The snapshot as local files, verified: materialised from its blobs on first use (each
     * blob's hash checked while it is copied), then every file re-hashed on every load.
     */
    public Optional<ModelSnapshot> find(String id) {
        Optional<List<SnapshotFile>> files = manifest(id);
        if (files.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ModelSnapshot(id, files.get(), cache().fetch(id, files.get())));
        } catch (ConnectorException e) {
            throw new OrchestratorException(e.getMessage(), e);
        }
    }

    /** Like {@link #find}, but a missing snapshot is an error. */
    public ModelSnapshot verify(String id) {
        return find(id).orElseThrow(() -> new OrchestratorException("snapshot " + id + " not found in " + objects.describe()));
    }

    /** What {@link #gc} removed, or would remove on a dry run. */
    public record GcReport(List<String> snapshots, List<String> blobs, long blobBytes, List<String> cacheDirs) {}

    /**
     * Deletes snapshots not in {@code referenced}, blobs no remaining snapshot names (unless an
     * import younger than a day may still be writing them), and cached copies of deleted snapshots.
     * A referenced snapshot and its blobs are never deleted.
     */
    public GcReport gc(Set<String> referenced, boolean dryRun) {
        Set<String> keepBlobs = new HashSet<>();
        List<String> deadSnapshots = new ArrayList<>();
        for (ObjectInfo info : objects.list(SNAPSHOTS)) {
            String name = info.key().substring(SNAPSHOTS.length());
            String id = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
            if (referenced.contains(id)) {
                manifest(id).ifPresent(files -> files.forEach(f -> keepBlobs.add(f.sha256())));
            } else {
                deadSnapshots.add(id);
            }
        }
        for (String id : referenced) {
            if (SnapshotCache.isId(id)) {
                manifest(id).ifPresent(files -> files.forEach(f -> keepBlobs.add(f.sha256())));
            }
        }
        Instant cutoff = clock.instant().minus(PENDING_GRACE);
        for (ObjectInfo info : objects.list(PENDING)) {
            PendingImport pending = readPending(info.key());
            if (pending != null && pending.startedAt().isAfter(cutoff)) {
                keepBlobs.addAll(pending.blobs());
            } else if (!dryRun) {
                objects.delete(info.key());
            }
        }
        List<String> deadBlobs = new ArrayList<>();
        long deadBytes = 0;
        for (ObjectInfo info : objects.list(BLOBS)) {
            String hash = info.key().substring(info.key().lastIndexOf('/') + 1);
            if (!keepBlobs.contains(hash)) {
                deadBlobs.add(hash);
                deadBytes += info.size();
            }
        }
        List<String> deadCache = new ArrayList<>();
        if (Files.isDirectory(cacheRoot)) {
            try (Stream<Path> dirs = Files.list(cacheRoot)) {
                for (Path dir : dirs.sorted().toList()) {
                    String name = dir.getFileName().toString();
                    if (!name.startsWith(".") && !referenced.contains(name)) {
                        deadCache.add(name);
                    }
                }
            } catch (IOException e) {
                throw new OrchestratorException("cannot list the snapshot cache " + cacheRoot + ": " + e.getMessage(), e);
            }
        }
        if (!dryRun) {
            deadSnapshots.forEach(id -> objects.delete(SNAPSHOTS + id + ".json"));
            deadBlobs.forEach(hash -> objects.delete(blobKey(hash)));
            deadCache.forEach(name -> FileTrees.deleteQuietly(cacheRoot.resolve(name)));
        }
        return new GcReport(deadSnapshots, deadBlobs, deadBytes, deadCache);
    }

    private static void refuseDirectoryHolding(Path dir, Path storePart) {
        try {
            Path real = Files.exists(storePart) ? storePart.toRealPath() : storePart.toAbsolutePath().normalize();
            if (Files.isDirectory(dir) && real.startsWith(dir.toRealPath())) {
                throw new OrchestratorException("cannot import model directory " + dir + ": it contains the snapshot store " + storePart);
            }
        } catch (IOException e) {
            throw new OrchestratorException("cannot import model directory " + dir + ": it cannot be resolved", e);
        }
    }

    static String blobKey(String sha256) {
        return SnapshotCache.blobKey(sha256);
    }

    private SnapshotCache cache() {
        return new SnapshotCache(objects, cacheRoot);
    }

    private static SnapshotFile hashFile(String path, Path file, LongConsumer read) {
        try {
            return SnapshotCache.hashFile(path, file, read);
        } catch (ConnectorException e) {
            throw new OrchestratorException(e.getMessage(), e);
        }
    }

    private record PendingImport(Instant startedAt, List<String> blobs) {}

    private byte[] pendingMarker(List<SnapshotFile> files) {
        try {
            return JSON.writeValueAsBytes(Map.of("startedAt", clock.instant().toString(),
                    "blobs", files.stream().map(SnapshotFile::sha256).toList()));
        } catch (IOException e) {
            throw new OrchestratorException("cannot encode an import marker", e);
        }
    }

    private PendingImport readPending(String key) {
        try {
            var node = JSON.readTree(objects.readBytes(key));
            List<String> blobs = new ArrayList<>();
            node.path("blobs").forEach(b -> blobs.add(b.asText()));
            return new PendingImport(Instant.parse(node.path("startedAt").asText()), blobs);
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring unreadable import marker {}: {}", key, e.toString());
            return null;
        }
    }

}
