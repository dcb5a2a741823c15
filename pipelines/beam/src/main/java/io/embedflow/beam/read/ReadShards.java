package io.embedflow.beam.read;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.DatasetPlan;
import io.embedflow.connectors.shard.PartitionFilter;
import io.embedflow.connectors.shard.Shard;
import io.embedflow.connectors.shard.ShardPlanner;
import io.embedflow.connectors.store.ObjectStores;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads the id and text columns of a Parquet dataset (a local directory or {@code s3://bucket/prefix/}, read
 * recursively; {@code key=value} directories are Hive partitions) as {@link TextRow}s. The dataset is planned where
 * the pipeline is built ({@link ShardPlanner}: one shard per row group, with the data snapshot); the shards become
 * one element each, are spread over workers by a reshuffle and each is read by connectors' {@code ShardReader}
 * (local files directly, S3 objects by ranged GETs pinned to the planned ETag, so a rewritten file fails the read).
 *
 * <p>An immutable configuration: every {@code withX} returns a changed copy.
 *
 * <pre>{@code
 * PCollection<TextRow> rows = pipeline.apply(ReadShards.from("s3://bucket/docs/")
 *         .withIdColumn("id").withTextColumn("body")
 *         .withWhere(List.of("day=2026-11-28")));
 * }</pre>
 *
 * <p>Bad input fails while planning, with a message naming the file and column (a missing text column, an
 * unsupported id type, a file that is not Parquet).
 */
public final class ReadShards extends PTransform<PBegin, PCollection<TextRow>> {
    private static final long serialVersionUID = 1L;

    private final String location;
    private final String idColumn;
    private final String textColumn;
    private final List<String> where;
    private final DatasetPlan plan;
    private final int parallelism;

    private ReadShards(String location, String idColumn, String textColumn, List<String> where, DatasetPlan plan,
            int parallelism) {
        this.location = location;
        this.idColumn = idColumn;
        this.textColumn = textColumn;
        this.where = List.copyOf(where);
        this.plan = plan;
        this.parallelism = parallelism;
    }

    /** Reads the dataset at {@code location}; the id and text columns are required. */
    public static ReadShards from(String location) {
        if (location == null || location.isBlank()) {
            throw new BeamPipelineException("ReadShards: location must be a directory or s3:// URI, was "
                    + (location == null ? "null" : "'" + location + "'"));
        }
        return new ReadShards(location, null, null, List.of(), null, 0);
    }

    /** Reads the shards of a dataset planned already (e.g. to record its data snapshot alongside). */
    public static ReadShards of(DatasetPlan plan) {
        if (plan == null) {
            throw new BeamPipelineException("ReadShards: plan must not be null");
        }
        return new ReadShards(plan.root(), plan.idColumn(), plan.textColumn(), plan.where().terms(), plan, 0);
    }

    public ReadShards withIdColumn(String idColumn) {
        requirePlanless("idColumn");
        return new ReadShards(location, requireName("idColumn", idColumn), textColumn, where, null, parallelism);
    }

    public ReadShards withTextColumn(String textColumn) {
        requirePlanless("textColumn");
        return new ReadShards(location, idColumn, requireName("textColumn", textColumn), where, null, parallelism);
    }

    /**
     * Hive partition filter: {@code key=value} terms (a key given twice matches either value; different keys must
     * all match), applied before any file is read.
     */
    public ReadShards withWhere(List<String> terms) {
        requirePlanless("where");
        if (terms == null) {
            throw new BeamPipelineException("ReadShards: where must not be null (an empty list reads every file)");
        }
        try {
            PartitionFilter.parse(terms);
        } catch (ConnectorException e) {
            throw new BeamPipelineException("ReadShards: where " + terms + " is not a partition filter: " + e.getMessage(), e);
        }
        return new ReadShards(location, idColumn, textColumn, terms, null, parallelism);
    }

    /**
     * At most this many workers read and embed at once after the reshuffle (the shards are spread over this many
     * keys); 0 (the default) leaves it to the runner.
     */
    public ReadShards withParallelism(int parallelism) {
        if (parallelism < 0) {
            throw new BeamPipelineException("ReadShards: parallelism must be 0 (the runner decides) or more, was "
                    + parallelism);
        }
        return new ReadShards(location, idColumn, textColumn, where, plan, parallelism);
    }

    /** The dataset's plan: the one given, or planned now (reading every file's footer). */
    public DatasetPlan plan() {
        if (plan != null) {
            return plan;
        }
        if (idColumn == null) {
            throw new BeamPipelineException("ReadShards: idColumn is required; set it with withIdColumn(...)");
        }
        if (textColumn == null) {
            throw new BeamPipelineException("ReadShards: textColumn is required; set it with withTextColumn(...)");
        }
        return ShardPlanner.plan(ObjectStores.isS3(location) ? location : Path.of(location).toAbsolutePath().toString(),
                idColumn, textColumn, PartitionFilter.parse(where), S3Settings.fromEnvironment());
    }

    @Override
    public PCollection<TextRow> expand(PBegin begin) {
        DatasetPlan planned = plan();
        Reshuffle.ViaRandomKey<Shard> spread = Reshuffle.viaRandomKey();
        if (parallelism > 0) {
            spread = spread.withNumBuckets(parallelism);
        }
        return begin.apply("Shards", Create.of(planned.shards()).withCoder(SerializableCoder.of(Shard.class)))
                .apply("Spread", spread)
                .apply("Read", ParDo.of(new ReadShardFn(planned.idColumn(), planned.textColumn(), planned.idType())))
                .setCoder(TextRowCoder.of());
    }

    private void requirePlanless(String field) {
        if (plan != null) {
            throw new BeamPipelineException("ReadShards: " + field + " comes from the plan given to ReadShards.of(plan)");
        }
    }

    private static String requireName(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new BeamPipelineException("ReadShards: " + field + " must be a column name, was "
                    + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }
}
