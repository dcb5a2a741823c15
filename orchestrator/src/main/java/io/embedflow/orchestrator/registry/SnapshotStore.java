package io.embedflow.orchestrator.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.files.FileTrees;
import io.embedflow.connectors.store.LocalObjectStore;
import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
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
    static final String BLOBS = "blobs/sha256/";
    static final String SNAPSHOTS = "snapshots/";
    static final String PENDING = "pending/";
    /** An import younger than this is assumed alive: its blobs are not collected. */
    static final Duration PENDING_GRACE = Duration.ofHours(24);

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
    private static final int PROBLEMS_SHOWN = 10;
    private static final int HASH_BUFFER_BYTES = 1 << 16;
    /** How many bytes are hashed between two progress reports. */
    private static final long PROGRESS_STEP_BYTES = 4L << 20;

    private final ObjectStore objects;
    private final Path cacheRoot;
    private final Clock clock;

    /** A store on local disk: objects under {@code root/objects}, the cache under {@code root/cache}. */
    public SnapshotStore(Path root) {
        this(new LocalObjectStore(root.resolve("objects")), root.resolve("cache"), Clock.systemUTC());
    }

    public SnapshotStore(ObjectStore objects, Path cacheRoot, Clock clock) {
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
            byte[] manifest = Manifest.encode(files);
            String id = Manifest.sha256Hex(manifest);
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
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        String key = SNAPSHOTS + id + ".json";
        if (!objects.exists(key)) {
            return Optional.empty();
        }
        byte[] bytes = objects.readBytes(key);
        if (!Manifest.sha256Hex(bytes).equals(id)) {
            throw new OrchestratorException("snapshot " + id + " is damaged: its manifest in " + objects.describe()
                    + " does not hash to its id");
        }
        return Optional.of(Manifest.decode(bytes, key));
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
        ModelSnapshot snapshot = new ModelSnapshot(id, files.get(), cacheRoot.resolve(id));
        if (!Files.isDirectory(snapshot.directory())) {
            materialise(snapshot);
        }
        return Optional.of(verifyCached(snapshot));
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
            if (ID.matcher(id).matches()) {
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
        return BLOBS + sha256.substring(0, 2) + "/" + sha256;
    }

    private void materialise(ModelSnapshot snapshot) {
        Path temp = cacheRoot.resolve(".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(temp);
            for (SnapshotFile file : snapshot.files()) {
                Path target = temp.resolve(file.path());
                Files.createDirectories(target.getParent());
                String key = blobKey(file.sha256());
                if (!objects.exists(key)) {
                    throw new OrchestratorException("snapshot " + snapshot.id() + " is damaged: the content of file '"
                            + file.path() + "' (blob " + file.sha256() + ") is missing from " + objects.describe());
                }
                objects.download(key, target);
                SnapshotFile actual = hashFile(file.path(), target);
                if (!actual.equals(file)) {
                    throw new OrchestratorException("snapshot " + snapshot.id() + " is damaged: file '" + file.path()
                            + "' in " + objects.describe() + " does not match its hash");
                }
            }
            try {
                Files.move(temp, snapshot.directory(), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(snapshot.directory(), LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
                // another process materialised it first: theirs is as good as ours
            }
        } catch (IOException e) {
            throw new OrchestratorException("cannot copy snapshot " + snapshot.id() + " into " + cacheRoot + ": "
                    + e.getMessage(), e);
        } finally {
            FileTrees.deleteQuietly(temp);
        }
    }

    private ModelSnapshot verifyCached(ModelSnapshot snapshot) {
        List<String> problems = new ArrayList<>();
        Set<Path> expected = new HashSet<>();
        for (SnapshotFile file : snapshot.files()) {
            Path path = snapshot.resolve(file);
            expected.add(path);
            if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                problems.add("file '" + file.path() + "' is missing");
                continue;
            }
            SnapshotFile actual = hashFile(file.path(), path);
            if (!actual.equals(file)) {
                problems.add("file '" + file.path() + "' was modified (expected sha256 " + file.sha256() + ", found "
                        + actual.sha256() + ")");
            }
        }
        try (Stream<Path> walk = Files.walk(snapshot.directory())) {
            walk.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !expected.contains(p))
                    .map(p -> "file '" + snapshot.directory().relativize(p) + "' is not part of it")
                    .sorted()
                    .forEach(problems::add);
        } catch (IOException e) {
            throw new OrchestratorException("cannot list snapshot " + snapshot.id() + " in " + snapshot.directory(), e);
        }
        if (!problems.isEmpty()) {
            String shown = String.join("; ", problems.subList(0, Math.min(problems.size(), PROBLEMS_SHOWN)));
            throw new OrchestratorException("refusing snapshot " + snapshot.id() + ": " + shown
                    + (problems.size() > PROBLEMS_SHOWN ? "; and " + (problems.size() - PROBLEMS_SHOWN) + " more" : "")
                    + " (in " + snapshot.directory() + ")");
        }
        return snapshot;
    }

    private static SnapshotFile hashFile(String path, Path file) {
        return hashFile(path, file, read -> { });
    }

    /** Hashes {@code file}, telling {@code read} the bytes read as they are, in pieces of at most a few MB. */
    private static SnapshotFile hashFile(String path, Path file, LongConsumer read) {
        MessageDigest digest = Manifest.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            byte[] buffer = new byte[HASH_BUFFER_BYTES];
            long size = 0;
            long unreported = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                size += n;
                unreported += n;
                if (unreported >= PROGRESS_STEP_BYTES) {
                    read.accept(unreported);
                    unreported = 0;
                }
            }
            read.accept(unreported);
            return new SnapshotFile(path, size, HexFormat.of().formatHex(digest.digest()));
        } catch (IOException e) {
            throw new OrchestratorException("cannot read '" + path + "' (" + file + "): " + e.getMessage(), e);
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
