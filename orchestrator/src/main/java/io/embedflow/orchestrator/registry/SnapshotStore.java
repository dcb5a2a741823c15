package io.embedflow.orchestrator.registry;

import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed model snapshots on local disk.
 *
 * <p>Layout: {@code root/<id>/manifest.json} (see {@link Manifest}) and
 * {@code root/<id>/files/...} holding exactly the imported files; {@code id} is the hex
 * SHA-256 of the manifest bytes, so equal content always gets the same id. An import copies
 * into {@code root/.tmp-<random>/} and renames that to {@code root/<id>} in one atomic step, so
 * {@code root/<id>} is either absent or complete; a snapshot is never modified afterwards.
 * Leftover {@code .tmp-*} directories (from a crash) are ignored and may be deleted when no
 * import is running.
 *
 * <p>Threading: stateless apart from the file system; any number of threads and processes may
 * import into the same root at once. Calls block on disk I/O.
 */
public final class SnapshotStore {

    static final String MANIFEST = "manifest.json";
    static final String FILES = "files";
    static final String TEMP_PREFIX = ".tmp-";

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
    private static final int COPY_BUFFER_BYTES = 1 << 20;
    private static final int PROBLEMS_SHOWN = 10;

    private final Path root;

    public SnapshotStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /**
     * Copies every regular file below {@code dir} (recursively, following symlinks that stay
     * inside it) into a new snapshot, or returns the existing snapshot with the same content.
     * {@code dir} is only read.
     *
     * @throws OrchestratorException if {@code dir} is missing, not a directory, holds no files,
     *     or holds a symlink leading outside it or a special file (each named), or on I/O failure
     */
    public ModelSnapshot importDirectory(Path dir) {
        Objects.requireNonNull(dir, "dir");
        refuseDirectoryHoldingTheStore(dir);
        List<SourceTree.Entry> sources = SourceTree.list(dir);
        Path temp;
        try {
            Files.createDirectories(root);
            temp = Files.createTempDirectory(root, TEMP_PREFIX);
        } catch (IOException e) {
            throw new OrchestratorException("cannot create a temporary directory in snapshot store " + root, e);
        }
        boolean moved = false;
        try {
            List<SnapshotFile> files = copyAll(sources, temp.resolve(FILES));
            byte[] manifest = Manifest.encode(files);
            String id = Manifest.sha256Hex(manifest);
            writeDurably(temp.resolve(MANIFEST), manifest);
            Path target = root.resolve(id);
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                moved = moveIntoPlace(temp, target);
            }
            if (moved) {
                LOG.info("imported {} ({} files) as snapshot {}", dir, files.size(), id);
                return new ModelSnapshot(id, files, target.resolve(FILES));
            }
            LOG.info("{} matches existing snapshot {}", dir, id);
            return find(id).orElseThrow(() -> new OrchestratorException(
                    "snapshot " + id + " vanished from " + root + " while importing " + dir));
        } catch (IOException e) {
            throw new OrchestratorException("cannot import model directory " + dir + " into snapshot store " + root, e);
        } finally {
            if (!moved) {
                deleteRecursively(temp);
            }
        }
    }

    /**
     * The snapshot {@code id}, reading only its manifest; empty if there is none (or {@code id}
     * is not a snapshot id).
     *
     * @throws OrchestratorException if the manifest is unreadable or does not hash to {@code id}
     */
    public Optional<ModelSnapshot> find(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        Path dir = root.resolve(id);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Path manifest = dir.resolve(MANIFEST);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(manifest);
        } catch (IOException e) {
            throw new OrchestratorException("snapshot " + id + " is damaged: cannot read " + manifest, e);
        }
        if (!Manifest.sha256Hex(bytes).equals(id)) {
            throw new OrchestratorException("snapshot " + id + " is damaged: " + manifest + " does not hash to its id");
        }
        return Optional.of(new ModelSnapshot(id, Manifest.decode(bytes, manifest.toString()), dir.resolve(FILES)));
    }

    /**
     * Re-hashes every file of snapshot {@code id} and checks that nothing was added.
     *
     * @return the snapshot, when intact
     * @throws OrchestratorException naming the missing, changed or unexpected file(s), or if
     *     there is no such snapshot
     */
    public ModelSnapshot verify(String id) {
        ModelSnapshot snapshot = find(id).orElseThrow(
                () -> new OrchestratorException("snapshot " + id + " not found in " + root));
        List<String> problems = new ArrayList<>();
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        for (SnapshotFile file : snapshot.files()) {
            Path path = snapshot.resolve(file);
            if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                problems.add("file '" + file.path() + "' is missing or not a regular file");
                continue;
            }
            SnapshotFile actual;
            try (InputStream in = Files.newInputStream(path)) {
                actual = hash(file.path(), in, null, buffer);
            } catch (IOException e) {
                throw new OrchestratorException("cannot read file '" + file.path() + "' of snapshot " + id, e);
            }
            if (!actual.equals(file)) {
                problems.add("file '" + file.path() + "' has changed (expected " + file.size() + " bytes with sha256 "
                        + file.sha256() + ", found " + actual.size() + " bytes with sha256 " + actual.sha256() + ")");
            }
        }
        problems.addAll(unexpectedFiles(snapshot));
        if (!problems.isEmpty()) {
            String shown = String.join("; ", problems.subList(0, Math.min(problems.size(), PROBLEMS_SHOWN)));
            throw new OrchestratorException("snapshot " + id + " failed verification: " + shown
                    + (problems.size() > PROBLEMS_SHOWN ? "; and " + (problems.size() - PROBLEMS_SHOWN) + " more" : ""));
        }
        return snapshot;
    }

    /** Importing a directory that contains the store would copy the store into itself. */
    private void refuseDirectoryHoldingTheStore(Path dir) {
        try {
            Path realRoot = Files.exists(root) ? root.toRealPath() : root;
            if (Files.isDirectory(dir) && realRoot.startsWith(dir.toRealPath())) {
                throw new OrchestratorException("cannot import model directory " + dir
                        + ": it contains the snapshot store " + root);
            }
        } catch (IOException e) {
            throw new OrchestratorException("cannot import model directory " + dir + ": it cannot be resolved", e);
        }
    }

    private List<String> unexpectedFiles(ModelSnapshot snapshot) {
        Set<Path> expected = new HashSet<>();
        snapshot.files().forEach(file -> expected.add(snapshot.resolve(file)));
        try (Stream<Path> walk = Files.walk(snapshot.directory())) {
            return walk.filter(path -> !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) && !expected.contains(path))
                    .map(path -> "file '" + snapshot.directory().relativize(path) + "' is not in the manifest")
                    .sorted()
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new OrchestratorException("cannot list the files of snapshot " + snapshot.id(), e);
        }
    }

    private static List<SnapshotFile> copyAll(List<SourceTree.Entry> sources, Path targetDir) throws IOException {
        List<SnapshotFile> files = new ArrayList<>(sources.size());
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        for (SourceTree.Entry source : sources) {
            Path target = targetDir.resolve(source.path());
            Files.createDirectories(target.getParent());
            try (InputStream in = Files.newInputStream(source.source());
                    FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                files.add(hash(source.path(), in, out, buffer));
                out.force(true);
            }
        }
        return files;
    }

    /** Hashes {@code in} to its end, writing what it reads to {@code out} when not null. */
    private static SnapshotFile hash(String path, InputStream in, FileChannel out, byte[] buffer) throws IOException {
        MessageDigest digest = Manifest.sha256();
        ByteBuffer wrapped = ByteBuffer.wrap(buffer);
        long size = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            digest.update(buffer, 0, n);
            size += n;
            if (out != null) {
                wrapped.clear().limit(n);
                while (wrapped.hasRemaining()) {
                    out.write(wrapped);
                }
            }
        }
        return new SnapshotFile(path, size, HexFormat.of().formatHex(digest.digest()));
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
    }

    /** Renames {@code temp} to {@code target}; false if another import created {@code target} first. */
    private boolean moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Linux reports a non-empty target as ENOTEMPTY, which Java maps to a plain
            // FileSystemException, so decide by looking rather than by exception type.
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            throw e;
        }
        syncDirectory(root);
        return true;
    }

    /** Makes the rename durable where the platform allows fsync on a directory (Linux does). */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("cannot fsync directory {}: {}", dir, e.toString());
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete temporary directory {}: {}", dir, e.toString());
        }
    }
}
