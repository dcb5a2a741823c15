package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.embedflow.connectors.FaultProxy;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.parquet.EmbeddingRow;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Refreshes that read their dataset from S3 (S3Proxy), through the CLI: the same table as from
 * local disk, Hive partition filters, faults on the wire absorbed, and clear errors for missing
 * data and refused credentials.
 */
class S3InputIT {
    static S3ProxyServer s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        useEndpoint(s3.endpoint().toString());
        System.setProperty(S3Settings.PATH_STYLE_PROPERTY, "true");
        System.setProperty("aws.region", "us-east-1");
        S3RegistryIT.useCredentials(S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL);
    }

    @AfterEach
    void reset() {
        useEndpoint(s3.endpoint().toString());
        S3RegistryIT.useCredentials(S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL);
    }

    @AfterAll
    static void stopS3() {
        System.clearProperty(S3Settings.ENDPOINT_PROPERTY);
        System.clearProperty(S3Settings.PATH_STYLE_PROPERTY);
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        s3.close();
    }

    static void useEndpoint(String endpoint) {
        System.setProperty(S3Settings.ENDPOINT_PROPERTY, endpoint);
    }

    static String upload(Path dir, String bucket, String prefix) throws IOException {
        return S3ProxyForTests.upload(s3, dir, bucket, prefix);
    }

    Cli.Result embed(Cli cli, String input, Path output, String... more) {
        String[] base = {"embed", "--model", "tiny/1", "--input", input, "--id-column", "id", "--text-column", "body",
            "--output", output.toString(), "--parallelism", "2", "--force"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return cli.run(args);
    }

    static void assertSameTable(Path expected, Path actual) {
        Map<Object, EmbeddingRow> want = RestSubmissionIT.byId(EmbeddingTableReader.readAll(expected));
        Map<Object, EmbeddingRow> got = RestSubmissionIT.byId(EmbeddingTableReader.readAll(actual));
        assertThat(got.keySet()).isEqualTo(want.keySet());
        for (Map.Entry<Object, EmbeddingRow> row : want.entrySet()) {
            assertThat(got.get(row.getKey()).embedding()).as("id %s", row.getKey())
                    .containsExactly(row.getValue().embedding(), Offset.offset(1e-5f));
            assertThat(got.get(row.getKey()).contentHash()).isEqualTo(row.getValue().contentHash());
        }
        assertThat(RejectedRowReader.readAll(actual))
                .hasSameSizeAs(RejectedRowReader.readAll(expected));
    }

    @Test
    void aRefreshFromS3EqualsTheRefreshOfTheSameFilesFromLocalDisk() throws IOException {
        Cli cli = new Cli(tmp.resolve("home"));
        cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny");
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input.resolve("day=2026-11-28"), 150, 21);
        EmbedCliIT.writeDataset(input.resolve("day=2026-11-29"), 90, 22, 50_000);
        String location = upload(input, s3.createBucket(), "warehouse/docs/");

        Path local = tmp.resolve("local");
        Cli.Result fromDisk = embed(cli, input.toString(), local);
        assertThat(fromDisk.exitCode()).as(fromDisk.toString()).isZero();
        Path remote = tmp.resolve("remote");
        Cli.Result fromS3 = embed(cli, location, remote);
        assertThat(fromS3.exitCode()).as(fromS3.toString()).isZero();
        assertSameTable(local, remote);

        JsonNode run = RegistryCliIT.JSON.readTree(cli.run("runs", "show", TableManifest.read(remote).runId(), "--json")
                .out());
        assertThat(run.at("/input").asText()).isEqualTo(location);
        assertThat(run.at("/metrics/bytesRead").asLong()).as(run.toString()).isPositive();
        assertThat(run.at("/metrics/inputWaitFraction").isNumber()).as(run.toString()).isTrue();

        // only one day's partition: the same rows as that day's directory alone
        Path oneDay = tmp.resolve("one-day");
        Cli.Result filtered = embed(cli, location, oneDay, "--where", "day=2026-11-29");
        assertThat(filtered.exitCode()).as(filtered.toString()).isZero();
        Path dayLocal = tmp.resolve("day-local");
        assertThat(embed(cli, input.resolve("day=2026-11-29").toString(), dayLocal).exitCode()).isZero();
        assertSameTable(dayLocal, oneDay);
    }

    @Test
    void faultsOnTheWireAreRetriedAndTheTableIsTheSame() throws IOException {
        Cli cli = new Cli(tmp.resolve("home"));
        cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny");
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 120, 31);
        String location = upload(input, s3.createBucket(), "docs/");
        Path clean = tmp.resolve("clean");
        assertThat(embed(cli, input.toString(), clean).exitCode()).isZero();

        try (FaultProxy proxy = FaultProxy.start(s3.endpoint()).scope(FaultProxy.Scope.RANGED_GET)) {
            useEndpoint(proxy.endpoint().toString());
            // faults only on ranged GETs, i.e. the reads of footers and column chunks
            proxy.failNext(2, 503, "SlowDown");
            proxy.resetMidBodyNext(2);
            proxy.truncateBodyNext(2);
            Path faulty = tmp.resolve("faulty");
            Cli.Result result = embed(cli, location, faulty);
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(proxy.faultsInjected()).isEqualTo(6);
            assertSameTable(clean, faulty);
        }
    }

    @Test
    void missingDataAndRefusedCredentialsFailClearlyWithNoOutput() throws IOException {
        Cli cli = new Cli(tmp.resolve("home"));
        cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny");
        String bucket = s3.createBucket();

        Path out = tmp.resolve("out");
        Cli.Result missing = embed(cli, "s3://" + bucket + "/nothing/", out);
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("s3://" + bucket + "/nothing/");
        assertThat(out).doesNotExist();

        Cli.Result noBucket = embed(cli, "s3://no-such-bucket-zz/docs/", out);
        assertThat(noBucket.exitCode()).isEqualTo(1);
        assertThat(noBucket.err()).contains("no-such-bucket-zz");
        assertThat(out).doesNotExist();

        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 20, 41);
        String location = upload(input, bucket, "docs/");
        S3RegistryIT.useCredentials(S3ProxyServer.IDENTITY, "not-the-secret-Zx81");
        Cli.Result denied = embed(cli, location, out);
        assertThat(denied.exitCode()).isEqualTo(1);
        assertThat(denied.err()).contains(bucket).doesNotContain("not-the-secret-Zx81");
        assertThat(denied.out()).doesNotContain("not-the-secret-Zx81");
        assertThat(out).doesNotExist();
    }
}
