package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/** Models imported from S3 and a snapshot store on S3, against S3Proxy; secrets never printed. */
class S3RegistryIT {
    static S3ProxyServer s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        System.setProperty(S3Settings.ENDPOINT_PROPERTY, s3.endpoint().toString());
        System.setProperty(S3Settings.PATH_STYLE_PROPERTY, "true");
        System.setProperty("aws.region", "us-east-1");
        useCredentials(S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL);
    }

    @AfterEach
    void rightCredentials() {
        useCredentials(S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL);
    }

    @AfterAll
    static void stopS3() {
        System.clearProperty(S3Settings.ENDPOINT_PROPERTY);
        System.clearProperty(S3Settings.PATH_STYLE_PROPERTY);
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        s3.close();
    }

    static void useCredentials(String id, String secret) {
        System.setProperty("aws.accessKeyId", id);
        System.setProperty("aws.secretAccessKey", secret);
    }

    String uploadModel(String bucket, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(TestModels.fixture("tiny-dict"))) {
            for (Path f : files.toList()) {
                s3.client().putObject(b -> b.bucket(bucket).key(prefix + f.getFileName()), RequestBody.fromFile(f));
            }
        }
        return "s3://" + bucket + "/" + prefix;
    }

    JsonNode json(Cli.Result result) throws IOException {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return RegistryCliIT.JSON.readTree(result.out());
    }

    @Test
    void importFromAnS3PrefixGivesTheSameSnapshotAsTheDirectory() throws IOException {
        String bucket = s3.createBucket();
        String uri = uploadModel(bucket, "models/tiny/");
        Cli cli = new Cli(tmp.resolve("home"));
        String fromDir = json(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny", "--json"))
                .get("snapshotId").asText();
        JsonNode fromS3 = json(cli.run("model", "import", uri, "--name", "tiny", "--json"));
        assertThat(fromS3.get("snapshotId").asText()).isEqualTo(fromDir);
        assertThat(fromS3.get("ref").asText()).isEqualTo("tiny/1");
    }

    @Test
    void aSnapshotStoreOnS3IsSharedBetweenHomesAndFeedsTheJob() throws IOException {
        String bucket = s3.createBucket();
        String store = "s3://" + bucket + "/embedflow/";
        Path db = tmp.resolve("shared.db");
        Cli first = new Cli(tmp.resolve("home-a"), "--store", store, "--db", "jdbc:sqlite:" + db);
        JsonNode imported = json(first.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny", "--json"));
        var keys = s3.client().listObjectsV2(ListObjectsV2Request.builder().bucket(bucket).prefix("embedflow/").build())
                .contents().stream().map(o -> o.key()).toList();
        assertThat(keys).contains("embedflow/snapshots/" + imported.get("snapshotId").asText() + ".json")
                .anyMatch(k -> k.startsWith("embedflow/blobs/sha256/"));

        // another machine: its own cache, the same store and database
        Cli second = new Cli(tmp.resolve("home-b"), "--store", store, "--db", "jdbc:sqlite:" + db);
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 30, 8);
        Cli.Result embed = second.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", tmp.resolve("table").toString());
        assertThat(embed.exitCode()).as(embed.toString()).isZero();
        assertThat(tmp.resolve("home-b/cache/snapshots").resolve(imported.get("snapshotId").asText())).isDirectory();
    }

    @Test
    void deniedAccessAndMissingBucketsAreClearAndWriteNothing() throws IOException {
        String bucket = s3.createBucket();
        String uri = uploadModel(bucket, "models/tiny/");
        Cli cli = new Cli(tmp.resolve("home"));

        useCredentials(S3ProxyServer.IDENTITY, "a-wrong-secret-value-1234");
        Cli.Result denied = cli.run("model", "import", uri, "--name", "tiny");
        assertThat(denied.exitCode()).isEqualTo(1);
        assertThat(denied.err()).contains(bucket).doesNotContain("a-wrong-secret-value-1234");
        rightCredentials();
        assertThat(json(cli.run("model", "list", "--json"))).isEmpty();

        Cli.Result missing = cli.run("model", "import", "s3://no-such-bucket-here/models/", "--name", "tiny");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no-such-bucket-here");
        Cli onMissingStore = new Cli(tmp.resolve("home2"), "--store", "s3://no-such-bucket-here/store/");
        Cli.Result noStore = onMissingStore.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny");
        assertThat(noStore.exitCode()).isEqualTo(1);
        assertThat(noStore.err()).contains("no-such-bucket-here");
        assertThat(json(onMissingStore.run("model", "list", "--json"))).isEmpty();
    }

    @Test
    void secretsInUrisAreNeverPrinted() {
        Cli cli = new Cli(tmp.resolve("home"));
        Cli.Result s3Secret = cli.run("model", "import", "s3://AKIAEXAMPLEKEY:VerySecretValue123@bucket/models/", "--name", "x");
        assertThat(s3Secret.exitCode()).isEqualTo(1);
        assertThat(s3Secret.err()).doesNotContain("VerySecretValue123");
        Cli.Result verbose = cli.run("--verbose", "model", "import", "s3://AKIAEXAMPLEKEY:VerySecretValue123@bucket/m/", "--name", "x");
        assertThat(verbose.err()).doesNotContain("VerySecretValue123");

        Cli.Result jdbc = new Cli(tmp.resolve("home"), "--db",
                "jdbc:postgresql://127.0.0.1:1/embedflow?user=embedflow&password=PgSecretValue456")
                .run("--verbose", "model", "list");
        assertThat(jdbc.exitCode()).isEqualTo(1);
        assertThat(jdbc.err()).doesNotContain("PgSecretValue456");
    }
}
