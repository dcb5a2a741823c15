package io.embedflow.flink.refresh;

import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.flink.embed.EmbedOperator;
import io.embedflow.flink.embed.EmbeddedRow;
import io.embedflow.flink.gpu.GpuPolicy;
import io.embedflow.flink.gpu.GpuResources;
import io.embedflow.flink.incremental.BaseRow;
import io.embedflow.flink.incremental.BaseRowReader;
import io.embedflow.flink.incremental.CarryOverOperator;
import io.embedflow.flink.incremental.RowDiff;
import io.embedflow.flink.sink.DuplicateIdCheck;
import io.embedflow.flink.sink.IdRef;
import io.embedflow.flink.sink.PartFile;
import io.embedflow.flink.sink.RejectedWriterOperator;
import io.embedflow.flink.sink.TableCommitOperator;
import io.embedflow.flink.sink.TableWriterOperator;
import io.embedflow.flink.source.ShardSource;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Embeds a Parquet dataset into an embedding table, as a BATCH job:
 * <pre>
 * ShardSource (row groups) -> EmbedOperator (model per subtask) -> TableWriterOperator ─┐
 *        │                            └─ rejected rows -> RejectedWriterOperator ───────┼─> TableCommitOperator (1)
 *        └─ ids -> keyBy -> DuplicateIdCheck ────────────────────────────────────────────┘
 * </pre>
 * The table appears atomically when the committer publishes it; a failed run publishes nothing.
 *
 * <p>An incremental refresh ({@link RefreshJobSpec#incremental()}) keys the rows by id and meets them
 * with the base version's rows ({@link RowDiff}); only new and changed rows reach the embedder, and the
 * kept ones are carried into the new table by {@link CarryOverOperator} (whole files referenced, partly
 * kept files rewritten without the model).
 * The output is a local directory or {@code s3://bucket/prefix/} (see {@code TableLocation} for what
 * each guarantees); the task managers reach S3 with {@code S3Settings.fromEnvironment()}.
 *
 * <p>Submit the shaded jar: {@code flink run embedflow-pipelines-flink-job.jar --input DIR
 * --id-column id --text-column text --model MODEL_DIR --output DIR|S3URI [--parallelism N]}.
 */
public final class EmbeddingRefreshJob {
    private EmbeddingRefreshJob() {}

    public static void main(String[] args) throws Exception {
        Configuration options = RefreshOptions.fromArgs(args);
        RefreshJobSpec spec = RefreshJobSpec.fromConfiguration(options);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, spec);
        try {
            env.execute(jobName(spec));
        } catch (Exception e) {
            try (TableLocation table = TableLocation.open(spec.output(), S3Settings.fromEnvironment())) {
                table.abort(spec.runId());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    public static String jobName(RefreshJobSpec spec) {
        return "embedflow refresh " + spec.runId();
    }

    /** The job-level settings the refresh needs: batch mode, object reuse, a bounded restart strategy. */
    public static Configuration jobConfiguration(RefreshJobSpec spec) {
        Configuration conf = new Configuration();
        conf.set(org.apache.flink.configuration.ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        conf.set(org.apache.flink.configuration.PipelineOptions.OBJECT_REUSE, true);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, spec.restartAttempts());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, spec.restartDelay());
        return conf;
    }

    /** Adds the refresh pipeline to {@code env}. */
    public static void define(StreamExecutionEnvironment env, RefreshJobSpec spec) {
        env.configure(jobConfiguration(spec));
        int p = spec.parallelism();
        IdType idType = spec.plan().idType();

        DataStream<TextRow> rows = readShards(env, spec);
        DataStream<TextRow> toEmbed = rows;
        DataStream<PartFile> carried = null;
        if (spec.incremental()) {
            // rows meet the base version's rows by id: unchanged ones are kept, the rest go on to the model
            SingleOutputStreamOperator<TextRow> diff = rows.keyBy((TextRow r) -> idKey(idType, r.idLong, r.idString), Types.STRING)
                    .connect(baseRows(env, spec).keyBy((BaseRow r) -> idKey(idType, r.idLong, r.idString), Types.STRING))
                    .process(new RowDiff(spec.relativeFiles(), spec.allowDuplicateIds()), TypeInformation.of(TextRow.class))
                    .setParallelism(p)
                    .name("diff-base-version");
            toEmbed = diff;
            carried = diff.getSideOutput(RowDiff.KEPT)
                    .keyBy(k -> k.fileIndex, Types.INT)
                    .transform("carry-over", TypeInformation.of(PartFile.class),
                            new CarryOverOperator(spec.base(), spec.output(), spec.runId(), idType))
                    .setParallelism(p);
        }
        SingleOutputStreamOperator<EmbeddedRow> embedded = embed(toEmbed, spec);
        DataStream<PartFile> parts = embedded
                .transform("write-table", TypeInformation.of(PartFile.class),
                        new TableWriterOperator(spec.output(), spec.runId(), idType))
                .setParallelism(p)
                .union(rejectedParts(embedded, spec));
        if (carried != null) {
            parts = parts.union(carried);
        } else if (!spec.allowDuplicateIds()) {
            // an incremental refresh's diff, keyed by id already, does this check itself
            parts = parts.union(duplicateIdCheck(rows, spec));
        }
        commit(parts, spec, new TableCommitOperator.Lineage(spec.runId(), spec.modelSnapshotId(), spec.modelRef(),
                spec.plan().snapshot().id(), idType.name(), spec.plan().totalRows(),
                spec.incremental() ? spec.base().version() : null));
    }

    /** The dataset's rows, read by shard (a building block of the jobs over a dataset of texts). */
    public static DataStream<TextRow> readShards(StreamExecutionEnvironment env, RefreshJobSpec spec) {
        return env.fromSource(new ShardSource(spec.plan(), spec.prefetchBytes(), spec.prefetchRequests()),
                        WatermarkStrategy.noWatermarks(), "read-shards")
                .setParallelism(spec.parallelism());
    }

    /** The rows' vectors, one model per subtask (on GPU slots when asked); rows without text go to the side output. */
    public static SingleOutputStreamOperator<EmbeddedRow> embed(DataStream<TextRow> rows, RefreshJobSpec spec) {
        SingleOutputStreamOperator<EmbeddedRow> embedded = rows.transform("embed", TypeInformation.of(EmbeddedRow.class),
                        new EmbedOperator(spec.model(), spec.device(), spec.batching(), spec.tokenizerThreads(),
                                spec.windowsAhead(), new GpuPolicy(spec.subtasksPerGpu()), spec.failOnceAfterRows(),
                                spec.failOnceMarker()))
                .setParallelism(spec.parallelism());
        if (spec.device().strip().equalsIgnoreCase("gpu") && spec.gpuRequestSlots()) {
            // the embedders take GPU slots; reading, hashing and writing run in CPU slots
            GpuResources.apply(embedded, new GpuPolicy(spec.subtasksPerGpu()));
        }
        return embedded;
    }

    /** The rejected rows' part files, with their reasons. */
    public static DataStream<PartFile> rejectedParts(SingleOutputStreamOperator<EmbeddedRow> embedded, RefreshJobSpec spec) {
        return embedded.getSideOutput(EmbedOperator.REJECTED)
                .transform("write-rejected", TypeInformation.of(PartFile.class),
                        new RejectedWriterOperator(spec.output(), spec.runId(), spec.plan().idType(), spec.relativeFiles()))
                .setParallelism(spec.parallelism());
    }

    /** Fails the job on a repeated id; emits nothing, but the committer waits for it. */
    public static DataStream<PartFile> duplicateIdCheck(DataStream<TextRow> rows, RefreshJobSpec spec) {
        IdType idType = spec.plan().idType();
        return rows.map((TextRow r) -> new IdRef(idKey(idType, r.idLong, r.idString), r.fileIndex, r.rowInFile))
                .returns(IdRef.class).setParallelism(spec.parallelism()).name("ids")
                .keyBy(r -> r.id, Types.STRING)
                .process(new DuplicateIdCheck(spec.relativeFiles()))
                .returns(PartFile.class)
                .setParallelism(spec.parallelism())
                .name("check-duplicate-ids");
    }

    /** The single committer that publishes the table when every part arrived and the counts add up. */
    public static void commit(DataStream<PartFile> parts, RefreshJobSpec spec, TableCommitOperator.Lineage lineage) {
        parts.transform("commit-table", TypeInformation.of(Void.class), new TableCommitOperator(spec.output(), lineage))
                .setParallelism(1)
                .setMaxParallelism(1)
                .sinkTo(new DiscardingSink<>())
                .setParallelism(1)
                .name("done");
    }

    /** The base version's rows: its files' ids and content hashes, read in parallel, one file per element. */
    private static DataStream<BaseRow> baseRows(StreamExecutionEnvironment env, RefreshJobSpec spec) {
        List<Integer> files = IntStream.range(0, spec.base().files().size()).boxed().toList();
        return env.fromData(files, Types.INT).name("base-files")
                .rebalance()
                .flatMap(new BaseRowReader(spec.base(), spec.plan().idType()), TypeInformation.of(BaseRow.class))
                .setParallelism(spec.parallelism())
                .name("read-base-version");
    }

    /** A row's id as the keyed steps compare it: the string id, or the decimal text of a numeric one. */
    private static String idKey(IdType idType, long idLong, String idString) {
        return idType == IdType.STRING ? idString : Long.toString(idLong);
    }
}
