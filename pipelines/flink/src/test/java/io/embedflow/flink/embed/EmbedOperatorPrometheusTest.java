package io.embedflow.flink.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.snapshot.ModelSource;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.flink.gpu.GpuPolicy;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The embed operator's metrics as a Prometheus server scrapes them from Flink's Prometheus reporter,
 * configured as docs/metrics.md says, while a job embeds with the committed starter model.
 */
class EmbedOperatorPrometheusTest {

    /** What docs/metrics.md lists: the operator's metric names, under the reporter's operator prefix. */
    static final List<String> DOCUMENTED = List.of("rowsEmbedded", "rowsPerSecond", "tokensEmbedded", "tokensPerSecond",
            "paddedTokens", "batchFill", "forwardMillis", "inputWaitMillis", "inputWaitFraction", "tokenizeMillis",
            "rowsRejected", "rowsTruncated");
    static final String PREFIX = "flink_taskmanager_job_task_operator_";
    static final int ROWS = 16;
    static final int PORT = freePort();
    /** The job holds its last row here until the test has scraped it: a finished operator's metrics are gone. */
    static final CountDownLatch RELEASE = new CountDownLatch(1);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(reporter(PORT)).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1).build());

    static Configuration reporter(int port) {
        Configuration conf = new Configuration();
        conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.setString("metrics.reporter.prom.port", Integer.toString(port));
        return conf;
    }

    @Test
    void theReporterExposesEveryDocumentedMetricOfTheEmbedOperator() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<TextRow> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(new TextRow(i, null, "row number " + i + " of a small test table", 0, i));
        }
        env.fromData(rows).map(new HoldLastRow()).name("hold")
                .transform("embed", TypeInformation.of(EmbeddedRow.class), new EmbedOperator(ModelSource.directory(starterModel().toString()), "cpu",
                        new BatchingOptions(4, 4, 4096), 1, 1, GpuPolicy.exclusive(), 0, null))
                .sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("embed-metrics");
        String scraped;
        try {
            scraped = scrapeUntilRowsEmbedded();
        } finally {
            RELEASE.countDown();
        }
        job.getJobExecutionResult().get(2, TimeUnit.MINUTES);

        for (String name : DOCUMENTED) {
            assertThat(scraped).as(name).containsPattern("(?m)^" + PREFIX + name + "\\{[^}]*operator_name=\"embed\"[^}]*} ");
        }
        assertThat(scraped).containsPattern("(?m)^" + PREFIX + "rowsEmbedded\\{[^}]*job_name=\"embed_metrics\"[^}]*subtask_index=\"0\"");
    }

    /** Scrapes until the operator has embedded some rows (a window or two before the held last row). */
    private static String scrapeUntilRowsEmbedded() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Pattern embedded = Pattern.compile("(?m)^" + PREFIX + "rowsEmbedded\\{[^}]*} ([0-9.eE+]+)$");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = embedded.matcher(last);
                if (m.find() && Double.parseDouble(m.group(1)) > 0) {
                    return last;
                }
            } catch (IOException notYet) {
                // the reporter is not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no rowsEmbedded > 0 within 90 s; last scrape:\n" + last);
    }

    /** Passes rows on, holding the last one until {@link #RELEASE}. */
    static final class HoldLastRow implements MapFunction<TextRow, TextRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public TextRow map(TextRow row) throws Exception {
            if (row.idLong == ROWS - 1 && !RELEASE.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the test never released the last row");
            }
            return row;
        }
    }

    private static Path starterModel() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("models/starter/model"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find models/starter/model above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("models/starter/model");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
