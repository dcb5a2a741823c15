package io.embedflow.beam.refresh;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.DataFile;
import io.embedflow.connectors.shard.DataSnapshot;
import io.embedflow.connectors.shard.DatasetPlan;
import io.embedflow.connectors.shard.PartitionFilter;
import io.embedflow.connectors.shard.ShardPlanner;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.model.ModelDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One refresh, validated and planned where the pipeline is built, before any worker starts: the dataset's shards
 * and data snapshot, the model and its snapshot id, the output and the run id.
 */
public record BeamRefreshSpec(DatasetPlan plan, String modelDir, String modelSnapshotId, String modelRef, String output,
        String runId, BatchingOptions batching) {

    /** Validates the options, checks the model directory's layout and the output, and plans the dataset. */
    public static BeamRefreshSpec from(BeamRefreshOptions options) {
        String input = require("input", options.getInput());
        String idColumn = require("idColumn", options.getIdColumn());
        String textColumn = require("textColumn", options.getTextColumn());
        String modelDir = require("model", options.getModel());
        String output = require("output", options.getOutput());
        if (options.getEmbedParallelism() < 0) {
            throw new BeamPipelineException("--embedParallelism must be 0 or more, was " + options.getEmbedParallelism());
        }
        try {
            DeviceRequest.parse(options.getDevice());
            ModelDirectory.open(Path.of(modelDir));
        } catch (DjlOpsException e) {
            throw new BeamPipelineException(e.getMessage(), e);
        }
        BatchingOptions batching;
        try {
            batching = new BatchingOptions(options.getWindowRows(), options.getMaxBatchRows(), options.getMaxBatchTokens());
        } catch (DjlOpsException e) {
            throw new BeamPipelineException("--windowRows, --maxBatchRows and --maxBatchTokens: " + e.getMessage(), e);
        }
        String out = ObjectStores.normalize(output);
        String in = ObjectStores.normalize(input);
        if (ObjectStores.isS3(out) == ObjectStores.isS3(in) && isInside(out, in)) {
            throw new BeamPipelineException("output " + out + " must not be inside the input " + in);
        }
        try (TableLocation table = TableLocation.open(out, S3Settings.fromEnvironment())) {
            table.requireFree();
        } catch (ConnectorException e) {
            throw new BeamPipelineException(e.getMessage(), e);
        }
        List<String> where = options.getWhere() == null ? List.of() : options.getWhere();
        DatasetPlan plan = ShardPlanner.plan(ObjectStores.isS3(in) ? in : Path.of(in).toAbsolutePath().toString(),
                idColumn, textColumn, PartitionFilter.parse(where), S3Settings.fromEnvironment());
        String snapshotId = options.getModelSnapshotId();
        if (snapshotId == null || snapshotId.isBlank()) {
            snapshotId = "dir-sha256:" + directoryHash(Path.of(modelDir));
        }
        String runId = options.getRunId();
        if (runId == null || runId.isBlank()) {
            runId = "beam-" + UUID.randomUUID().toString().substring(0, 8);
        }
        return new BeamRefreshSpec(plan, Path.of(modelDir).toAbsolutePath().toString(), snapshotId,
                options.getModelRef(), out, runId, batching);
    }

    private static String require(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new BeamPipelineException("missing option --" + option);
        }
        return value;
    }

    /** Whether location {@code inner} is {@code outer} or below it (both local paths, or both s3:// URIs). */
    static boolean isInside(String inner, String outer) {
        if (ObjectStores.isS3(outer)) {
            String dir = outer.endsWith("/") ? outer : outer + "/";
            return (inner.endsWith("/") ? inner : inner + "/").startsWith(dir);
        }
        return Path.of(inner).toAbsolutePath().startsWith(Path.of(outer).toAbsolutePath());
    }

    /**
     * A model directory that is not in the registry is identified by the hash of its files, as the Flink job does
     * (the same directory gives the same id on either engine).
     */
    static String directoryHash(Path dir) {
        List<DataFile> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                files.add(new DataFile(dir.relativize(f).toString(), Files.size(f), HexFormat.of().formatHex(md.digest())));
            }
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new BeamPipelineException("cannot hash model directory " + dir + ": " + e.getMessage(), e);
        }
        return DataSnapshot.of(files).id();
    }
}
