package io.embedflow.orchestrator.train;

import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A training run's checkpoints in the object store that holds the model snapshots (a directory or
 * an S3 prefix), so that a gang restarted on other machines finds them: each checkpoint's files
 * under {@code train/<run id>/checkpoints/step-NNNNNNNN/}, and a {@value #COMPLETE} marker written
 * last. A checkpoint without its marker (its writer died while uploading) does not exist. The
 * snapshot store's garbage collection only touches snapshots and blobs, never these keys.
 */
final class CheckpointStore {
    static final String COMPLETE = "_COMPLETE";

    private final ObjectStore objects;
    private final String prefix;

    CheckpointStore(ObjectStore objects, String runId) {
        this.objects = objects;
        this.prefix = "train/" + runId + "/checkpoints/";
    }

    /** Uploads the checkpoint written locally at {@code dir} as step {@code step}; the marker goes last. */
    void upload(Path dir, long step) {
        String base = prefix + name(step) + "/";
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                objects.put(base + dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/"), file);
            }
        } catch (IOException e) {
            throw new OrchestratorException("cannot upload checkpoint " + dir + " to " + objects.describe() + ": "
                    + e.getMessage(), e);
        }
        objects.putBytes(base + COMPLETE, Long.toString(step).getBytes(StandardCharsets.UTF_8));
    }

    /** The step of the newest complete checkpoint, if any. */
    Optional<Long> newest() {
        return objects.list(prefix).stream()
                .map(ObjectInfo::key)
                .filter(k -> k.endsWith("/" + COMPLETE))
                .map(k -> k.substring(prefix.length(), k.length() - COMPLETE.length() - 1))
                .filter(n -> n.matches("step-\\d{8}"))
                .map(n -> Long.parseLong(n.substring("step-".length())))
                .max(Long::compare);
    }

    /** Downloads checkpoint {@code step} into {@code target} (created; must not exist) and returns it. */
    Path download(long step, Path target) {
        String base = prefix + name(step) + "/";
        List<ObjectInfo> files = objects.list(base);
        try {
            Path staging = Files.createTempDirectory(target.toAbsolutePath().getParent(), ".download-");
            for (ObjectInfo file : files) {
                String relative = file.key().substring(base.length());
                if (relative.equals(COMPLETE)) {
                    continue;
                }
                Path local = staging.resolve(relative).normalize();
                if (!local.startsWith(staging)) {
                    throw new OrchestratorException("checkpoint key " + file.key() + " leaves its directory");
                }
                Files.createDirectories(local.getParent());
                objects.download(file.key(), local);
            }
            Files.move(staging, target);
            return target;
        } catch (IOException e) {
            throw new OrchestratorException("cannot download checkpoint " + base + " from " + objects.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Removes every checkpoint of the run (after its model was registered). */
    void deleteAll() {
        for (ObjectInfo file : objects.list(prefix)) {
            objects.delete(file.key());
        }
    }

    static String name(long step) {
        return String.format(Locale.ROOT, "step-%08d", step);
    }
}
