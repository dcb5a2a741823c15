package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.schedule.ObjectStoreDatasetProbe;
import io.embedflow.orchestrator.serve.CapacitySource;
import io.embedflow.orchestrator.serve.RefreshLauncher;
import io.embedflow.orchestrator.serve.ServeConfig;
import io.embedflow.orchestrator.serve.ServeDaemon;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `embedflow eval` and `embedflow bless`: metrics of a model on labelled pairs, A/B of two models with
 * a paired bootstrap interval, and promotion only on passing gates, which fires the refresh specs
 * that follow the alias.
 */
class EvalBlessIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAIRS_SCHEMA =
            "message p { required int64 query_id; required binary query (STRING); required int64 relevant_id; }";

    @TempDir
    Path tmp;

    private Cli cli;
    private Path corpus;
    private Path pairs;
    private int queries;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("home"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "twin"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-tuple").toString(), "--name", "tiny"));
        ok(cli.run("model", "alias", "tiny@production", "tiny/1"));
        corpus = tmp.resolve("data/docs");
        Map<Long, String> texts = EmbedCliIT.writeDataset(corpus, 20, 31);
        // a query per document with text: its first words; relevant: that document (and, for some, the next one)
        List<Map<String, Object>> rows = new ArrayList<>();
        long q = 0;
        for (Map.Entry<Long, String> doc : texts.entrySet()) {
            if (doc.getValue() == null || doc.getValue().isBlank() || q >= 30) {
                continue;
            }
            String[] words = doc.getValue().split(" ");
            String query = String.join(" ", java.util.Arrays.copyOf(words, Math.min(3, words.length)));
            rows.add(row(q, query, doc.getKey()));
            if (q % 4 == 0) {
                rows.add(row(q, query, doc.getKey() + 1));
            }
            q++;
        }
        queries = (int) q;
        pairs = tmp.resolve("pairs");
        try {
            Files.createDirectories(pairs);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Parquet.write(pairs.resolve("pairs.parquet"), PAIRS_SCHEMA, rows);
    }

    @Test
    void evalReportsRankingMetricsAndThroughputAndIdenticalModelsDifferByNothing() throws Exception {
        JsonNode one = JSON.readTree(ok(cli.run(evalArgs("--model", "tiny/1", "--json"))).out());
        JsonNode metrics = one.at("/models/0/metrics");
        assertThat(one.at("/models/0/queries").asInt()).isEqualTo(queries);
        double r1 = metrics.get("recall@1").asDouble();
        double r5 = metrics.get("recall@5").asDouble();
        double r10 = metrics.get("recall@10").asDouble();
        assertThat(r1).isBetween(0.0, 1.0).isLessThanOrEqualTo(r5);
        assertThat(r5).isLessThanOrEqualTo(r10).isLessThanOrEqualTo(1.0);
        assertThat(metrics.get("ndcg@10").asDouble()).isBetween(0.0, 1.0);
        assertThat(metrics.get("rows_per_s").asDouble()).isPositive();
        assertThat(metrics.get("queries_per_s").asDouble()).isPositive();
        String runId = one.at("/models/0/run").asText();
        JsonNode run = JSON.readTree(ok(cli.run("runs", "show", runId, "--json")).out());
        assertThat(run.get("kind").asText()).as(run.toString()).isEqualTo("eval");
        assertThat(run.at("/metrics/metrics/recall@10").asDouble()).isEqualTo(r10);

        // the same weights under two names: every difference is 0 and its interval [0, 0]
        JsonNode ab = JSON.readTree(ok(cli.run(evalArgs("--models", "tiny/1,twin/1", "--json"))).out());
        JsonNode comparison = ab.get("comparison");
        assertThat(comparison.size()).isEqualTo(9);
        comparison.fields().forEachRemaining(e -> {
            assertThat(e.getValue().get("difference").asDouble()).as(e.getKey()).isZero();
            assertThat(e.getValue().get("lower").asDouble()).as(e.getKey()).isLessThanOrEqualTo(0.0);
            assertThat(e.getValue().get("upper").asDouble()).as(e.getKey()).isGreaterThanOrEqualTo(0.0);
        });
        Cli.Result table = ok(cli.run(evalArgs("--models", "tiny/1,tiny/2")));
        assertThat(table.out()).contains("recall@10").contains("B - A").contains("interval");
    }

    @Test
    void evalDrawsABarPerJobWhenAsked() {
        ProgressCliIT.Stderr forced = ProgressCliIT.stderrOf(() -> cli.run(evalArgs("--model", "tiny/1", "--progress")));

        ok(forced.result());
        assertThat(forced.text()).contains("tiny/1 corpus").contains("tiny/1 queries").contains("rows/s");
    }

    @Test
    void aFailingGateLeavesTheAliasAndAPassingBlessMovesItAndTriggersTheRefresh() throws Exception {
        Path spec = tmp.resolve("specs/docs.yaml");
        Files.createDirectories(spec.getParent());
        Files.writeString(spec, "name: docs\ndataset: ../data/docs\nidColumn: id\ntextColumn: body\n"
                + "output: ../tables/docs\nmodel: tiny@production\ntriggers:\n  onModelAlias: true\n");
        ok(cli.run("schedule", "add", spec.toString()));

        Cli.Result rejected = cli.run(blessArgs("tiny/2", "--gate", "recall@10 >= baseline + 2"));
        assertThat(rejected.exitCode()).as(rejected.toString()).isEqualTo(3);
        assertThat(rejected.out()).contains("FAIL").contains("recall@10").contains("stays at tiny/1");
        assertThat(ok(cli.run("model", "history", "tiny@production")).out()).doesNotContain("bless");

        Cli.Result promoted = cli.run(blessArgs("tiny/2", "--gate", "recall@10 >= baseline - 2",
                "--gate", "rows_per_s >= 0.0001 * baseline"));
        ok(promoted);
        assertThat(promoted.out()).contains("promoted tiny@production: 1 -> 2");
        String history = ok(cli.run("model", "history", "tiny@production")).out();
        assertThat(history).contains("bless");

        // the scheduler sees the alias move and refreshes the table with the promoted version
        ServeIT.MutableClock clock = new ServeIT.MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        try (EmbedflowHome home = EmbedflowHome.open(tmp.resolve("home"));
                EmbeddedFlink flink = EmbeddedFlink.start(1)) {
            ServeDaemon daemon = ServeDaemon.create(ServeConfig.builder().optName("it").optLogFile(tmp.resolve("serve.log"))
                            .build(), home.metadata(), home.registry(), new ObjectStoreDatasetProbe(S3Settings.defaults()), flink,
                    new RefreshLauncher(new RefreshRunner(home.metadata(), home.registry()), flink, home.metadata()),
                    CapacitySource.fixed(1), clock);
            try {
                daemon.recover();
                clock.advance(Duration.ofMinutes(1));
                ServeDaemon.Pass pass = daemon.pass();
                assertThat(daemon.awaitIdle(Duration.ofSeconds(60))).isTrue();
                assertThat(pass.firings()).isEqualTo(1);
                List<RunRecord> runs = home.metadata().runsOfSpec("docs", 10);
                assertThat(runs).singleElement().satisfies(r -> {
                    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
                    assertThat(r.origin().triggerKind()).isEqualTo("MODEL_ALIAS");
                    assertThat(r.modelRef()).isEqualTo("tiny/2");
                });
            } finally {
                daemon.close();
            }
        }
    }

    private String[] evalArgs(String... first) {
        List<String> args = new ArrayList<>(List.of("eval"));
        args.addAll(List.of(first));
        args.addAll(List.of("--pairs", pairs.toString(), "--corpus", corpus.toString(), "--corpus-text-column", "body"));
        return args.toArray(String[]::new);
    }

    private String[] blessArgs(String candidate, String... gates) {
        List<String> args = new ArrayList<>(List.of("bless", candidate, "--alias", "production"));
        args.addAll(List.of(gates));
        args.addAll(List.of("--pairs", pairs.toString(), "--corpus", corpus.toString(), "--corpus-text-column", "body"));
        return args.toArray(String[]::new);
    }

    private static Map<String, Object> row(long query, String text, long relevant) {
        Map<String, Object> row = new HashMap<>();
        row.put("query_id", query);
        row.put("query", text);
        row.put("relevant_id", relevant);
        return row;
    }

    private static Cli.Result ok(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }
}
