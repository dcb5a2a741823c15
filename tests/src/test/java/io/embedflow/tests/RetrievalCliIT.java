package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.PredictionReader;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.TextEmbedder;
import io.embedflow.djl.model.ModelDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `embedflow infer`: each query's top-k rows of an embedding table, exactly as a brute-force search finds them. */
class RetrievalCliIT {
    @TempDir
    Path tmp;

    @Test
    void topKEqualsABruteForceSearchAndTheManifestNamesTheCorpus() {
        Cli cli = new Cli(tmp.resolve("home"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny"));
        Path corpusData = tmp.resolve("corpus-data");
        EmbedCliIT.writeDataset(corpusData, 50, 21);
        Path corpus = tmp.resolve("corpus");
        ok(cli.run("embed", "--model", "tiny/1", "--input", corpusData.toString(), "--id-column", "id", "--text-column",
                "body", "--output", corpus.toString(), "--parallelism", "2"));
        Path queryData = tmp.resolve("queries");
        Map<Long, String> queries = EmbedCliIT.writeDataset(queryData, 8, 22, 50_000);
        Path predictions = tmp.resolve("predictions");

        Cli.Result result = cli.run("infer", "--model", "tiny/1", "--queries", queryData.toString(), "--id-column", "id",
                "--text-column", "body", "--corpus", corpus.toString(), "--k", "5", "--output", predictions.toString(),
                "--parallelism", "2", "--job-option", "embedflow.retrieval.block-rows=17",
                "--job-option", "embedflow.retrieval.query-batch=3");
        ok(result);

        // the reference: every query's cosine with every corpus row, in double
        List<EmbeddingRow> rows = EmbeddingTableReader.readAll(corpus);
        Map<Object, List<PredictionReader.Prediction>> byQuery = new TreeMap<>(Comparator.comparing(Object::toString));
        for (PredictionReader.Prediction p : PredictionReader.readAll(predictions.toString())) {
            byQuery.computeIfAbsent(p.queryId(), q -> new ArrayList<>()).add(p);
        }
        long answerable = queries.values().stream().filter(t -> t != null && !t.isBlank()).count();
        assertThat(byQuery).hasSize((int) answerable);
        try (TextEmbedder model = TextEmbedder.load(ModelDirectory.open(TestModels.fixture("tiny-dict")), DeviceRequest.CPU)) {
            for (Map.Entry<Object, List<PredictionReader.Prediction>> e : byQuery.entrySet()) {
                float[] q = model.embedText(queries.get(((Number) e.getKey()).longValue()));
                Map<Object, Double> scores = new java.util.HashMap<>();
                for (EmbeddingRow row : rows) {
                    scores.put(row.id(), cosine(q, row.embedding()));
                }
                List<Double> best = scores.values().stream().sorted(Comparator.reverseOrder()).limit(5).toList();
                List<PredictionReader.Prediction> hits = e.getValue().stream()
                        .sorted(Comparator.comparingInt(PredictionReader.Prediction::rank)).toList();
                assertThat(hits).extracting(PredictionReader.Prediction::rank).containsExactly(1, 2, 3, 4, 5);
                for (int i = 0; i < 5; i++) {
                    PredictionReader.Prediction hit = hits.get(i);
                    // the right rows (ties may come in either order) with the right scores, best first
                    assertThat((double) hit.score()).as("query %s rank %d", e.getKey(), i + 1).isCloseTo(best.get(i),
                            org.assertj.core.data.Offset.offset(1e-4));
                    assertThat(scores.get(hit.id())).isCloseTo((double) hit.score(), org.assertj.core.data.Offset.offset(1e-4));
                }
            }
        }
        TableManifest manifest = TableManifest.read(predictions);
        assertThat(manifest.retrieval().corpus()).isEqualTo(corpus.toString());
        assertThat(manifest.retrieval().corpusVersion()).isEqualTo(1);
        assertThat(manifest.retrieval().k()).isEqualTo(5);
        assertThat(manifest.retrieval().corpusModelSnapshotId()).isEqualTo(manifest.modelSnapshotId());
        assertThat(manifest.rowCount()).isEqualTo(answerable * 5);
        assertThat(manifest.rejectedCount()).isEqualTo(queries.size() - answerable);
        assertThat(result.out()).contains(answerable + " answered (top 5)");
    }

    @Test
    void aCorpusOfAnotherModelIsRefusedBeforeAnyWork() {
        Cli cli = new Cli(tmp.resolve("home"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-tuple").toString(), "--name", "other"));
        Path data = tmp.resolve("data");
        EmbedCliIT.writeDataset(data, 10, 23);
        Path corpus = tmp.resolve("corpus");
        ok(cli.run("embed", "--model", "tiny/1", "--input", data.toString(), "--id-column", "id", "--text-column", "body",
                "--output", corpus.toString()));
        Cli.Result refused = cli.run("infer", "--model", "other/1", "--queries", data.toString(), "--id-column", "id",
                "--text-column", "body", "--corpus", corpus.toString(), "--output", tmp.resolve("p").toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains(corpus.toString()).contains("same model");
        assertThat(tmp.resolve("p")).doesNotExist();
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static void ok(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }
}
