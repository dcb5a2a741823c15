package io.embedflow.orchestrator.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.parquet.PredictionReader;
import io.embedflow.connectors.parquet.TextColumnsReader;
import io.embedflow.orchestrator.CodeVersion;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.infer.InferRequest;
import io.embedflow.orchestrator.infer.RetrievalRunner;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunIds;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.refresh.ProgressListener;
import io.embedflow.orchestrator.refresh.RefreshRequest;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.registry.ModelRef;
import io.embedflow.orchestrator.registry.ModelRegistry;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Evaluates one model version on labelled pairs and a corpus, through the pipeline jobs: the corpus
 * is embedded by the refresh job (or an earlier identical run's table is reused: same model snapshot,
 * same corpus data), the distinct queries are retrieved against it by the retrieval job, and the
 * predictions are scored: recall, MRR and nDCG at each cut-off, plus throughput — {@code rows_per_s}
 * of the corpus embedding and {@code queries_per_s} of the retrieval. The evaluation is a run of its
 * own (kind {@code eval}) whose metrics keep the means and the per-query values (for paired
 * comparisons later). Its files live under {@code <home>/eval/<run id>/}.
 */
public final class EvalRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MessageType QUERIES = MessageTypeParser.parseMessageType(
            "message queries { required binary query_id (STRING); required binary query (STRING); }");

    private final MetadataStore metadata;
    private final ModelRegistry registry;
    private final Path home;

    public EvalRunner(MetadataStore metadata, ModelRegistry registry, Path home) {
        this.metadata = metadata;
        this.registry = registry;
        this.home = home;
    }

    /**
     * One model's evaluation.
     *
     * @param metrics the means by name ({@code recall@10}, {@code mrr@10}, {@code ndcg@10}, ...) and the
     *     throughput ({@code rows_per_s}, {@code queries_per_s})
     */
    public record Evaluation(RunRecord run, ModelVersion model, RankingMetrics ranking, Map<String, Double> metrics,
            String corpusTable, String predictions) {}

    /** The labelled queries: each query's text and relevant corpus ids, by query id. */
    record Labels(Map<String, String> texts, Map<String, Set<String>> relevant) {}

    public Evaluation evaluate(String model, EvalRequest request, FlinkTarget target) {
        return evaluate(model, request, target, job -> ProgressListener.NONE);
    }

    /**
     * As {@link #evaluate(String, EvalRequest, FlinkTarget)}, telling {@code progress.apply(job)} how
     * each of its jobs goes: {@code corpus} (embedding the corpus), then {@code queries} (retrieval).
     */
    public Evaluation evaluate(String model, EvalRequest request, FlinkTarget target, Function<String, ProgressListener> progress) {
        ModelVersion version = registry.resolve(ModelRef.parse(model));
        Labels labels = readLabels(request);
        String runId = RunIds.newId();
        Path dir = home.resolve("eval").resolve(runId);
        Path queries = writeQueries(dir.resolve("queries"), labels);
        RunRecord run = RunRecord.started(runId, "eval", version.ref(), version.snapshotId(), null, request.pairs(),
                dir.resolve("predictions").toString(), toJson(request), CodeVersion.current(), Instant.now());
        metadata.insertRun(run);
        try {
            RefreshRunner.Outcome corpus = new RefreshRunner(metadata, registry).run(new RefreshRequest(version.ref(),
                    request.corpus(), request.corpusIdColumn(), request.corpusTextColumn(), dir.resolve("corpus").toString(),
                    request.parallelism(), request.device(), false, Map.of(), false, null), target, progress.apply("corpus"));
            String corpusTable = corpus.run().outputPath();
            RetrievalRunner.Outcome retrieved = new RetrievalRunner(metadata, registry).run(new InferRequest(version.ref(),
                    queries.toString(), "query_id", "query", corpusTable, request.maxK(), dir.resolve("predictions").toString(),
                    request.parallelism(), request.device(), Map.of()), target, progress.apply("queries"));
            Map<String, List<String>> ranked = new TreeMap<>();
            List<PredictionReader.Prediction> predictions = new ArrayList<>(PredictionReader.readAll(
                    dir.resolve("predictions").toString()));
            predictions.sort(Comparator.comparingInt(PredictionReader.Prediction::rank));
            for (PredictionReader.Prediction p : predictions) {
                ranked.computeIfAbsent(p.queryId().toString(), q -> new ArrayList<>()).add(p.id().toString());
            }
            RankingMetrics ranking = RankingMetrics.evaluate(QueryRanking.join(labels.relevant(), ranked),
                    request.ks().stream().mapToInt(Integer::intValue).toArray());
            Map<String, Double> metrics = new LinkedHashMap<>(ranking.means());
            metrics.put("rows_per_s", Math.round(corpus.run().rowsPerSecond() * 10) / 10.0);
            metrics.put("queries_per_s", ((Number) retrieved.metrics().get("queriesPerSecond")).doubleValue());
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("metrics", metrics);
            record.put("queries", ranking.queries());
            record.put("corpusTable", corpusTable);
            record.put("corpusRun", corpus.run().id());
            record.put("retrievalRun", retrieved.run().id());
            Map<String, double[]> perQuery = new LinkedHashMap<>();
            for (String name : ranking.means().keySet()) {
                perQuery.put(name, ranking.perQuery(name));
            }
            record.put("queryIds", ranking.queryIds());
            record.put("perQuery", perQuery);
            run = run.finished(RunStatus.SUCCEEDED, labels.texts().size(), ranking.queries(), 0, 0, Instant.now(), null);
            metadata.updateRun(run);
            metadata.saveRunMetrics(runId, toJson(record));
            return new Evaluation(run, version, ranking, metrics, corpusTable, dir.resolve("predictions").toString());
        } catch (RuntimeException e) {
            metadata.updateRun(run.failed(e.getMessage(), Instant.now()));
            throw e instanceof OrchestratorException o ? o : new OrchestratorException(e.getMessage(), e);
        }
    }

    /** Reads the pairs: a query id with two different texts, or a row without query or relevant id, is an error naming it. */
    static Labels readLabels(EvalRequest request) {
        Map<String, String> texts = new TreeMap<>();
        Map<String, Set<String>> relevant = new TreeMap<>();
        for (TextColumnsReader.Row row : TextColumnsReader.read(Path.of(request.pairs()),
                List.of(request.queryIdColumn(), request.queryColumn(), request.relevantColumn()))) {
            String[] v = row.values();
            String where = request.pairs() + "/" + row.file() + " row " + row.row();
            if (v[0] == null || v[1] == null || v[1].isBlank() || v[2] == null) {
                throw new OrchestratorException(where + " lacks its " + (v[0] == null ? request.queryIdColumn()
                        : v[2] == null ? request.relevantColumn() : request.queryColumn()));
            }
            String before = texts.putIfAbsent(v[0], v[1]);
            if (before != null && !before.equals(v[1])) {
                throw new OrchestratorException(where + ": query " + v[0] + " has two different texts");
            }
            relevant.computeIfAbsent(v[0], q -> new LinkedHashSet<>()).add(v[2]);
        }
        return new Labels(texts, relevant);
    }

    private static Path writeQueries(Path dir, Labels labels) {
        Path file = dir.resolve("queries.parquet");
        try {
            Files.createDirectories(dir);
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                    .withConf(new PlainParquetConfiguration()).withType(QUERIES).build()) {
                SimpleGroupFactory groups = new SimpleGroupFactory(QUERIES);
                for (Map.Entry<String, String> q : labels.texts().entrySet()) {
                    writer.write(groups.newGroup().append("query_id", q.getKey()).append("query", q.getValue()));
                }
            }
        } catch (IOException e) {
            throw new OrchestratorException("cannot write the evaluation's queries to " + file + ": " + e.getMessage(), e);
        }
        return dir;
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new OrchestratorException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }
}
