package io.embedflow.flink.retrieval;

import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.flink.embed.EmbeddedRow;
import io.embedflow.flink.refresh.EmbeddingRefreshJob;
import io.embedflow.flink.refresh.RefreshJobSpec;
import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.flink.sink.PartFile;
import io.embedflow.flink.sink.PredictionWriterOperator;
import io.embedflow.flink.sink.TableCommitOperator;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Batch retrieval, as a BATCH job: embeds a dataset of queries with a model and writes, for each
 * query, its top k rows of an embedding table (the corpus) by cosine similarity, exact:
 * <pre>
 * ShardSource (queries) -> EmbedOperator -> RetrievalOperator (corpus streamed in blocks) -> PredictionWriterOperator ─┐
 *        │                      └─ rejected queries -> RejectedWriterOperator ──────────────────────────────────────┼─> committer
 *        └─ ids -> DuplicateIdCheck ──────────────────────────────────────────────────────────────────────────────────┘
 * </pre>
 * The predictions table ({@code query_id, rank, id, score}) is published like an embedding table, with
 * a manifest whose lineage names the model and query data snapshots and the corpus table's location,
 * version and model snapshot. The corpus must have been embedded with the same model snapshot.
 *
 * <p>Submit the shaded jar: {@code flink run -c io.embedflow.flink.retrieval.RetrievalJob embedflow-pipelines-flink-job.jar
 * --input QUERIES --id-column id --text-column text --model MODEL_DIR --retrieval.corpus TABLE --retrieval.k 10
 * --output DIR|S3URI}.
 */
public final class RetrievalJob {
    private RetrievalJob() {}

    public static void main(String[] args) throws Exception {
        Configuration options = RefreshOptions.fromArgs(args);
        RetrievalJobSpec spec = RetrievalJobSpec.fromConfiguration(options);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, spec);
        try {
            env.execute(jobName(spec));
        } catch (Exception e) {
            try (TableLocation table = TableLocation.open(spec.queries().output(), S3Settings.fromEnvironment())) {
                table.abort(spec.queries().runId());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    public static String jobName(RetrievalJobSpec spec) {
        return "embedflow retrieval " + spec.queries().runId();
    }

    /** Adds the retrieval pipeline to {@code env}. */
    public static void define(StreamExecutionEnvironment env, RetrievalJobSpec spec) {
        RefreshJobSpec q = spec.queries();
        env.configure(EmbeddingRefreshJob.jobConfiguration(q));
        DataStream<TextRow> rows = EmbeddingRefreshJob.readShards(env, q);
        SingleOutputStreamOperator<EmbeddedRow> embedded = EmbeddingRefreshJob.embed(rows, q);
        DataStream<PartFile> parts = embedded
                .transform("retrieve", TypeInformation.of(Prediction.class), new RetrievalOperator(spec.corpus(), spec.k(),
                        spec.queryBatch(), spec.blockRows(), q.device()))
                .setParallelism(q.parallelism())
                .transform("write-predictions", TypeInformation.of(PartFile.class),
                        new PredictionWriterOperator(q.output(), q.runId(), q.plan().idType(), spec.corpus().idType()))
                .setParallelism(q.parallelism())
                .union(EmbeddingRefreshJob.rejectedParts(embedded, q));
        if (!q.allowDuplicateIds()) {
            parts = parts.union(EmbeddingRefreshJob.duplicateIdCheck(rows, q));
        }
        EmbeddingRefreshJob.commit(parts, q, new TableCommitOperator.Lineage(q.runId(), q.modelSnapshotId(), q.modelRef(),
                q.plan().snapshot().id(), q.plan().idType().name(), q.plan().totalRows(), null,
                new TableManifest.Retrieval(spec.corpus().location(), spec.corpus().version(),
                        spec.corpus().modelSnapshotId(), spec.corpus().idType().name(), spec.k())));
    }
}
