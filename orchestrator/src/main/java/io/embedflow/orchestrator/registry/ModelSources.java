package io.embedflow.orchestrator.registry;

import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.embedflow.connectors.archive.SafeArchives;
import io.embedflow.connectors.files.FileTrees;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.s3.S3Uri;
import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Where a model can be imported from: a local directory, a {@code .zip}/{@code .tar.gz} archive,
 * an {@code s3://bucket/prefix/}, or a DJL model-zoo URL ({@code djl://...}, which needs network
 * access and is the one path the tests cannot exercise). Each source is brought to a local
 * directory first, so one import path hashes and stores every model.
 */
public final class ModelSources {
    /** Most bytes an archive may unpack to (a guard against archive bombs). */
    public static final long MAX_ARCHIVE_BYTES = 64L << 30;

    private final S3Settings s3;
    private final Path scratch;

    public ModelSources(S3Settings s3, Path scratch) {
        this.s3 = s3;
        this.scratch = scratch;
    }

    /** Brings {@code source} to a local directory, calls {@code use} with it, then cleans up what it made. */
    public <T> T withLocalCopy(String source, Function<Path, T> use) {
        if (source.startsWith("djl://")) {
            return fromModelZoo(source, use);
        }
        if (S3Uri.isS3(source)) {
            return withTemp(dir -> {
                download(S3Uri.parse(source), dir);
                return use.apply(dir);
            });
        }
        Path path = Path.of(source);
        if (Files.isRegularFile(path) && SafeArchives.isArchive(path)) {
            return withTemp(dir -> {
                Path target = dir.resolve("model");
                SafeArchives.extract(path, target, MAX_ARCHIVE_BYTES);
                return use.apply(target);
            });
        }
        if (Files.isRegularFile(path)) {
            throw new OrchestratorException("cannot import " + source + ": a file must be a .zip, .tar.gz or .tgz archive");
        }
        return use.apply(path);
    }

    private void download(S3Uri uri, Path dir) {
        String prefix = uri.prefix().isEmpty() || uri.prefix().endsWith("/") ? uri.prefix() : uri.prefix() + "/";
        S3Uri root = new S3Uri(uri.bucket(), prefix);
        try (ObjectStore store = ObjectStores.open(root.toString(), s3)) {
            List<ObjectInfo> objects = store.list("");
            if (objects.isEmpty()) {
                throw new OrchestratorException("cannot import " + root + ": no objects under it");
            }
            for (ObjectInfo o : objects) {
                if (o.key().endsWith("/")) {
                    continue;
                }
                Path target = dir.resolve(o.key()).normalize();
                if (!target.startsWith(dir)) {
                    throw new OrchestratorException("cannot import " + root + ": object key '" + o.key() + "' escapes the model directory");
                }
                Files.createDirectories(target.getParent());
                store.download(o.key(), target);
            }
        } catch (IOException e) {
            throw new OrchestratorException("cannot download " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * A thin bridge to DJL's model zoo: DJL downloads the model into its cache (this is the only
     * place embedflow lets DJL go online, and only because the user named a djl:// URL).
     */
    private static <T> T fromModelZoo(String url, Function<Path, T> use) {
        String offline = System.getProperty("ai.djl.offline");
        System.setProperty("ai.djl.offline", "false");
        try (ZooModel<?, ?> model = Criteria.builder().optModelUrls(url).optEngine("PyTorch").build().loadModel()) {
            return use.apply(model.getModelPath());
        } catch (Exception e) {
            throw new OrchestratorException("cannot fetch " + url + " from DJL's model zoo (it needs network access): "
                    + e.getMessage(), e);
        } finally {
            if (offline == null) {
                System.clearProperty("ai.djl.offline");
            } else {
                System.setProperty("ai.djl.offline", offline);
            }
        }
    }

    private <T> T withTemp(Function<Path, T> use) {
        Path dir;
        try {
            Files.createDirectories(scratch);
            dir = Files.createTempDirectory(scratch, "import-");
        } catch (IOException e) {
            throw new OrchestratorException("cannot create a scratch directory in " + scratch + ": " + e.getMessage(), e);
        }
        try {
            return use.apply(dir);
        } finally {
            FileTrees.deleteQuietly(dir);
        }
    }

}
