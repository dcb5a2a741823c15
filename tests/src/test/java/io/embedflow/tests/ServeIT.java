package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.queue.FairShare;
import io.embedflow.orchestrator.queue.QueueState;
import io.embedflow.orchestrator.queue.QueuedRun;
import io.embedflow.orchestrator.queue.RunQueue;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.schedule.ObjectStoreDatasetProbe;
import io.embedflow.orchestrator.serve.CapacitySource;
import io.embedflow.orchestrator.serve.RefreshLauncher;
import io.embedflow.orchestrator.serve.ServeConfig;
import io.embedflow.orchestrator.serve.ServeDaemon;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve}'s loop end to end on an embedded MiniCluster with the tiny model, driven pass by pass
 * on a manual clock: a cron spec fires and makes its table, a chained spec follows, a bad spec fails
 * once without retry, and the same work asked for again writes nothing.
 */
class ServeIT {

    @TempDir
    Path tmp;

    @Test
    void aCronSpecMakesItsTableAChainFollowsABadSpecFailsOnceAndRepeatedWorkIsANoOp() throws Exception {
        Path data = tmp.resolve("data/docs");
        Map<Long, String> texts = EmbedCliIT.writeDataset(data, 40, 11);
        Cli cli = new Cli(tmp.resolve("home"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny"));
        ok(cli.run("model", "import", TestModels.fixture("tiny-tuple").toString(), "--name", "tuple"));
        ok(cli.run("model", "alias", "tiny@prod", "tiny/1"));
        ok(cli.run("schedule", "add", spec("docs", "model: tiny@prod\ntriggers:\n  cron: \"*/5 * * * *\"\n").toString()));
        ok(cli.run("schedule", "add", spec("vectors", "model: tuple/1\ntriggers:\n  after: [docs]\n").toString()));
        ok(cli.run("schedule", "add", spec("broken", "model: tiny\n").toString()));

        MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        try (EmbedflowHome home = EmbedflowHome.open(tmp.resolve("home"));
                EmbeddedFlink flink = EmbeddedFlink.start(2)) {
            ServeConfig config = ServeConfig.builder().optName("it").optLogFile(tmp.resolve("serve.log")).build();
            ServeDaemon daemon = ServeDaemon.create(config, home.metadata(), home.registry(),
                    new ObjectStoreDatasetProbe(S3Settings.defaults()), flink,
                    new RefreshLauncher(new RefreshRunner(home.metadata(), home.registry()), flink, home.metadata()), CapacitySource.fixed(2), clock);
            try {
                daemon.recover();
                ok(cli.run("schedule", "trigger", "broken"));

                clock.advance(Duration.ofMinutes(5));
                ServeDaemon.Pass first = daemon.pass();
                assertThat(daemon.awaitIdle(Duration.ofSeconds(60))).isTrue();
                ServeDaemon.Pass second = daemon.pass();
                assertThat(daemon.awaitIdle(Duration.ofSeconds(60))).isTrue();

                assertThat(first.firings()).as("docs' cron").isEqualTo(1);
                assertThat(first.admitted()).as("docs and broken").isEqualTo(2);
                assertThat(second.firings()).as("vectors, after docs").isEqualTo(1);

                RunRecord docs = only(home, "docs");
                assertThat(docs.status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(docs.origin().triggerKind()).isEqualTo("CRON");
                assertThat(docs.modelRef()).isEqualTo("tiny/1");
                assertThat(ids(Path.of(docs.outputPath()))).containsExactlyInAnyOrderElementsOf(texts.keySet());
                RunRecord vectors = only(home, "vectors");
                assertThat(vectors.status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(vectors.origin().triggerDetail()).isEqualTo("spec 'docs' succeeded in run " + docs.id());
                assertThat(TableManifest.read(Path.of(vectors.outputPath())).runId()).isEqualTo(vectors.id());

                RunRecord broken = only(home, "broken");
                assertThat(broken.status()).isEqualTo(RunStatus.FAILED);
                assertThat(broken.error()).contains("nope");
                assertThat(broken.logLocation()).startsWith(tmp.resolve("serve.log").toString());
                RunQueue queue = home.metadata().runQueue(FairShare.equal(2), Duration.ofMinutes(1));
                assertThat(queue.list(QueueState.FAILED)).singleElement().satisfies(r -> {
                    assertThat(r.request().spec()).isEqualTo("broken");
                    assertThat(r.transientRetries() + r.preemptionRetries()).isZero();
                });

                // the same work again: the runner finds docs' table and writes nothing
                ok(cli.run("schedule", "trigger", "docs"));
                daemon.pass();
                assertThat(daemon.awaitIdle(Duration.ofSeconds(60))).isTrue();
                assertThat(home.metadata().runsOfSpec("docs", 10)).as("%s", home.metadata().runsOfSpec("docs", 10))
                        .extracting(RunRecord::id).containsExactly(docs.id());
                List<QueuedRun> docsRequests = queue.list(QueueState.SUCCEEDED).stream()
                        .filter(r -> r.request().spec().equals("docs")).toList();
                assertThat(docsRequests).hasSize(2).extracting(QueuedRun::runId).containsOnly(docs.id());
                assertThat(TableManifest.read(Path.of(docs.outputPath())).runId()).isEqualTo(docs.id());

                // new data: the next run of docs publishes version 2 of the same table
                Map<Long, String> more = EmbedCliIT.writeDataset(data.resolve("more"), 10, 12, 90_000);
                ok(cli.run("schedule", "trigger", "docs", "--reason", "new files"));
                daemon.pass();
                assertThat(daemon.awaitIdle(Duration.ofSeconds(60))).isTrue();
                List<RunRecord> docsRuns = home.metadata().runsOfSpec("docs", 10);
                assertThat(docsRuns).as("%s", docsRuns).hasSize(2);
                RunRecord refreshed = docsRuns.stream().filter(r -> !r.id().equals(docs.id())).findFirst().orElseThrow();
                assertThat(refreshed.status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(refreshed.outputPath()).isEqualTo(docs.outputPath());
                Path docsTable = Path.of(docs.outputPath());
                assertThat(TableManifest.read(docsTable).runId()).isEqualTo(refreshed.id());
                List<Object> expected = new ArrayList<>(texts.keySet());
                expected.addAll(more.keySet());
                assertThat(ids(docsTable)).containsExactlyInAnyOrderElementsOf(expected);
                try (TableVersions versions = TableVersions.open(docsTable.toString(), null)) {
                    assertThat(versions.numbers()).containsExactly(1L, 2L);
                    assertThat(versions.read(1).manifest().runId()).isEqualTo(docs.id());
                }

                Cli.Result ended = cli.run("runs", "cancel", docs.id());
                assertThat(ended.exitCode()).isEqualTo(1);
                assertThat(ended.err()).isEqualTo("error: run " + docs.id() + " already ended: SUCCEEDED\n");
                assertThat(cli.run("runs", "cancel").exitCode()).as("a run or --request").isEqualTo(2);

                Cli.Result shown = ok(cli.run("runs", "show", docs.id()));
                assertThat(shown.out()).contains("spec            docs").containsPattern("trigger +CRON \\(firing \\d+\\): cron ")
                        .contains("queue request");
            } finally {
                daemon.close();
            }
        }
    }

    @Test
    void serveRefusesANonLoopbackAddressWithoutAToken() {
        Cli.Result refused = new Cli(tmp.resolve("home")).run("serve", "--bind", "0.0.0.0", "--port", "0");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.err()).startsWith("error: --bind 0.0.0.0 is not a loopback address: give --token-file FILE");
    }

    private Path spec(String name, String extra) throws IOException {
        Path file = tmp.resolve("specs").resolve(name + ".yaml");
        Files.createDirectories(file.getParent());
        String text = name.equals("broken") ? "nope" : "body";
        Files.writeString(file, "name: " + name + "\ndataset: ../data/docs\nidColumn: id\ntextColumn: " + text
                + "\noutput: ../tables/" + name + "\n" + extra);
        return file;
    }

    private static RunRecord only(EmbedflowHome home, String spec) {
        List<RunRecord> runs = home.metadata().runsOfSpec(spec, 10);
        assertThat(runs).as("runs of " + spec).hasSize(1);
        return runs.get(0);
    }

    /** The ids in a table, embedded or rejected. */
    static List<Object> ids(Path table) {
        List<Object> ids = new ArrayList<>();
        EmbeddingTableReader.readAll(table).forEach(r -> ids.add(r.id()));
        RejectedRowReader.readAll(table).forEach(r -> ids.add(r.id()));
        return ids;
    }

    static Cli.Result ok(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            now = start;
        }

        void advance(Duration step) {
            now = now.plus(step);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
