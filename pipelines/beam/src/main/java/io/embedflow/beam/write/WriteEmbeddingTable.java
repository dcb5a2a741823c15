package io.embedflow.beam.write;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.beam.embed.EmbedTexts;
import io.embedflow.beam.embed.EmbeddedText;
import io.embedflow.beam.embed.RejectedText;
import io.embedflow.beam.read.DatasetFiles;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.DatasetPlan;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.TableLocation;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * Writes the output of {@link EmbedTexts} as one embedding table, as the Flink job does: part files of vectors
 * ({@code part-*.parquet}, on S3 {@code data/<runId>/part-*.parquet}) and of rejected rows
 * ({@code _rejected/…}), then one manifest ({@code _embedflow.json}) with the run id, model snapshot, data snapshot
 * and the row, rejected and truncated counts. The output is a local directory (which must not exist or be empty)
 * or {@code s3://bucket/prefix/} (which must hold nothing).
 *
 * <p>Exactly once under Beam's retries: each bundle writes its own uniquely named part and reports it at the end of
 * the bundle; only the parts of bundles the runner committed reach the single commit step (after a global combine),
 * which checks the counts and publishes the table; files of failed attempts are deleted then. A failed pipeline
 * publishes nothing (its staged parts are removed by {@code TableLocation#abort}, which
 * {@code BeamRefreshPipeline} calls). Unless {@link #withAllowDuplicateIds} is set, an id seen twice fails the
 * pipeline before the commit, naming both rows. All input is written in the global window: one table per run.
 *
 * <pre>{@code
 * DatasetPlan plan = ShardPlanner.plan(...);
 * PCollectionTuple embedded = pipeline.apply(ReadShards.of(plan)).apply(EmbedTexts.withModel(modelDir));
 * embedded.apply(WriteEmbeddingTable.to("s3://bucket/tables/docs/")
 *         .withPlan(plan)
 *         .withRunId("nightly-2026-11-29")
 *         .withModelSnapshotId(snapshotId));
 * }</pre>
 */
public final class WriteEmbeddingTable extends PTransform<PCollectionTuple, PCollection<CommittedTable>> {
    private static final long serialVersionUID = 1L;

    private final String output;
    private final String runId;
    private final String modelSnapshotId;
    private final String modelRef;
    private final String dataSnapshotId;
    private final IdType idType;
    private final List<String> sourceFiles;
    private final long plannedRows;
    private final boolean allowDuplicateIds;

    private WriteEmbeddingTable(String output, String runId, String modelSnapshotId, String modelRef,
            String dataSnapshotId, IdType idType, List<String> sourceFiles, long plannedRows, boolean allowDuplicateIds) {
        this.output = output;
        this.runId = runId;
        this.modelSnapshotId = modelSnapshotId;
        this.modelRef = modelRef;
        this.dataSnapshotId = dataSnapshotId;
        this.idType = idType;
        this.sourceFiles = List.copyOf(sourceFiles);
        this.plannedRows = plannedRows;
        this.allowDuplicateIds = allowDuplicateIds;
    }

    /** Publishes the table at {@code output}: a directory or {@code s3://bucket/prefix/}. */
    public static WriteEmbeddingTable to(String output) {
        if (output == null || output.isBlank()) {
            throw new BeamPipelineException("WriteEmbeddingTable: output must be a directory or s3:// URI, was "
                    + quote(output));
        }
        return new WriteEmbeddingTable(output, null, null, null, null, null, List.of(), -1, false);
    }

    /** The run id recorded in the manifest and in staged part names (one path segment). Required. */
    public WriteEmbeddingTable withRunId(String runId) {
        if (runId == null || runId.isBlank() || runId.contains("/") || runId.contains("\\") || runId.startsWith(".")) {
            throw new BeamPipelineException("WriteEmbeddingTable: runId must be one path segment (no '/', '\\', "
                    + "leading '.'), was " + quote(runId));
        }
        return copy(output, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, sourceFiles, plannedRows);
    }

    /** The model snapshot that produced the vectors. Required. */
    public WriteEmbeddingTable withModelSnapshotId(String modelSnapshotId) {
        requireText("modelSnapshotId", modelSnapshotId);
        return copy(output, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, sourceFiles, plannedRows);
    }

    /** The model's name and version in the registry (e.g. {@code starter/1}); optional. */
    public WriteEmbeddingTable withModelRef(String modelRef) {
        return copy(output, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, sourceFiles, plannedRows);
    }

    /** The data snapshot the rows were read from. Required (or from {@link #withPlan}). */
    public WriteEmbeddingTable withDataSnapshotId(String dataSnapshotId) {
        requireText("dataSnapshotId", dataSnapshotId);
        return copy(output, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, sourceFiles, plannedRows);
    }

    /** The ids' type, which the table keeps. Required (or from {@link #withPlan}). */
    public WriteEmbeddingTable withIdType(IdType idType) {
        if (idType == null) {
            throw new BeamPipelineException("WriteEmbeddingTable: idType must not be null");
        }
        return copy(output, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, sourceFiles, plannedRows);
    }

    /** The input's files by index, as rejected rows and duplicate-id errors name them. */
    public WriteEmbeddingTable withSourceFiles(List<String> sourceFiles) {
        if (sourceFiles == null) {
            throw new BeamPipelineException("WriteEmbeddingTable: sourceFiles must not be null");
        }
        return copy(output, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, sourceFiles, plannedRows);
    }

    /** The input's row count: the commit refuses a table whose embedded and rejected rows do not add up to it. */
    public WriteEmbeddingTable withPlannedRows(long plannedRows) {
        if (plannedRows < 0) {
            throw new BeamPipelineException("WriteEmbeddingTable: plannedRows must not be negative, was " + plannedRows);
        }
        return copy(output, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, sourceFiles, plannedRows);
    }

    /** Id type, file names, data snapshot and row count of the dataset the rows were read from. */
    public WriteEmbeddingTable withPlan(DatasetPlan plan) {
        if (plan == null) {
            throw new BeamPipelineException("WriteEmbeddingTable: plan must not be null");
        }
        return copy(output, runId, modelSnapshotId, modelRef, plan.snapshot().id(), plan.idType(),
                DatasetFiles.relative(plan), plan.totalRows());
    }

    /** Embeds rows with repeated ids instead of failing on the first (default: fail). */
    public WriteEmbeddingTable withAllowDuplicateIds(boolean allow) {
        return new WriteEmbeddingTable(output, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, sourceFiles,
                plannedRows, allow);
    }

    private WriteEmbeddingTable copy(String output, String runId, String modelSnapshotId, String modelRef,
            String dataSnapshotId, IdType idType, List<String> sourceFiles, long plannedRows) {
        return new WriteEmbeddingTable(output, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, sourceFiles,
                plannedRows, allowDuplicateIds);
    }

    /**
     * Checks that the required fields are set and that the output holds no table (nor anything else) yet, where the
     * pipeline is built.
     */
    @Override
    public PCollection<CommittedTable> expand(PCollectionTuple rows) {
        requireSet("runId", runId, "withRunId");
        requireSet("modelSnapshotId", modelSnapshotId, "withModelSnapshotId");
        requireSet("dataSnapshotId", dataSnapshotId, "withDataSnapshotId or withPlan");
        requireSet("idType", idType, "withIdType or withPlan");
        try (TableLocation table = TableLocation.open(output, S3Settings.fromEnvironment())) {
            table.requireFree();
        } catch (ConnectorException e) {
            throw new BeamPipelineException("WriteEmbeddingTable: output " + e.getMessage(), e);
        }

        PCollection<EmbeddedText> embedded = rows.get(EmbedTexts.EMBEDDED)
                .apply("GlobalWindowVectors", Window.into(new GlobalWindows()));
        PCollection<RejectedText> rejected = rows.get(EmbedTexts.REJECTED)
                .apply("GlobalWindowRejected", Window.into(new GlobalWindows()));
        SerializableCoder<PartDescriptor> partCoder = SerializableCoder.of(PartDescriptor.class);
        PCollection<PartDescriptor> dataParts = embedded
                .apply("WriteParts", ParDo.of(new DataPartWriterFn(output, runId, idType)))
                .setCoder(partCoder);
        PCollection<PartDescriptor> rejectedParts = rejected
                .apply("WriteRejected", ParDo.of(new RejectedPartWriterFn(output, runId, idType, sourceFiles)))
                .setCoder(partCoder);
        PCollectionList<PartDescriptor> parts = PCollectionList.of(dataParts).and(rejectedParts);
        if (!allowDuplicateIds) {
            parts = parts.and(PCollectionTuple.of(EmbedTexts.EMBEDDED, embedded).and(EmbedTexts.REJECTED, rejected)
                    .apply("CheckDuplicateIds", new DuplicateIdCheck(idType, sourceFiles, plannedRows)));
        }
        return parts.apply("AllParts", Flatten.pCollections())
                .apply("GatherParts", Combine.globally(new Gather()))
                .apply("Commit", ParDo.of(new CommitTableFn(output,
                        new TableLineage(runId, modelSnapshotId, modelRef, dataSnapshotId, idType, plannedRows))))
                .setCoder(SerializableCoder.of(CommittedTable.class));
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new BeamPipelineException("WriteEmbeddingTable: " + field + " must not be blank, was " + quote(value));
        }
    }

    private static void requireSet(String field, Object value, String setter) {
        if (value == null) {
            throw new BeamPipelineException("WriteEmbeddingTable: " + field + " is required; set it with " + setter);
        }
    }

    private static String quote(String value) {
        return value == null ? "null" : "'" + value + "'";
    }

    /** Every part descriptor in one list, for the one committer (an empty list when nothing was written). */
    static final class Gather extends Combine.CombineFn<PartDescriptor, List<PartDescriptor>, List<PartDescriptor>> {
        private static final long serialVersionUID = 1L;

        @Override
        public List<PartDescriptor> createAccumulator() {
            return new ArrayList<>();
        }

        @Override
        public List<PartDescriptor> addInput(List<PartDescriptor> parts, PartDescriptor part) {
            parts.add(part);
            return parts;
        }

        @Override
        public List<PartDescriptor> mergeAccumulators(Iterable<List<PartDescriptor>> accumulators) {
            List<PartDescriptor> merged = new ArrayList<>();
            accumulators.forEach(merged::addAll);
            return merged;
        }

        @Override
        public List<PartDescriptor> extractOutput(List<PartDescriptor> parts) {
            return parts;
        }

        @Override
        public Coder<List<PartDescriptor>> getAccumulatorCoder(CoderRegistry registry, Coder<PartDescriptor> inputCoder)
                throws CannotProvideCoderException {
            return ListCoder.of(inputCoder);
        }

        @Override
        public Coder<List<PartDescriptor>> getDefaultOutputCoder(CoderRegistry registry, Coder<PartDescriptor> inputCoder)
                throws CannotProvideCoderException {
            return ListCoder.of(inputCoder);
        }
    }
}
