package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets one clear sentence naming the file, column or row; nothing is published. */
class BadInputIT {
    @TempDir
    Path tmp;
    Cli cli;
    Path output;

    @BeforeEach
    void importModel() {
        cli = new Cli(tmp.resolve("home"));
        assertThat(cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny").exitCode()).isZero();
        output = tmp.resolve("out");
    }

    Cli.Result embed(Path input, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("embed", "--model", "tiny", "--input", input.toString(),
                "--id-column", "id", "--text-column", "body", "--output", output.toString()));
        args.addAll(List.of(extra));
        return cli.run(args.toArray(String[]::new));
    }

    void assertFailsNaming(Cli.Result result, String... parts) throws IOException {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        String firstLine = result.err().lines().findFirst().orElse("");
        assertThat(firstLine).startsWith("error: ");
        for (String part : parts) {
            assertThat(firstLine).contains(part);
        }
        assertThat(result.err()).as("no stack trace without --verbose").doesNotContain("\tat ");
        assertThat(output).doesNotExist();
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("staging"));
        }
    }

    Path goodDataset() {
        Path input = tmp.resolve("input");
        EmbedCliIT.writeDataset(input, 50, 3);
        return input;
    }

    @Test
    void missingInputDirectory() throws IOException {
        assertFailsNaming(embed(tmp.resolve("nope")), "nope", "does not exist");
        try (MetadataStore metadata = MetadataStore.openSqlite(tmp.resolve("home/embedflow.db"))) {
            RunRecord run = metadata.listRuns(1).get(0);
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            assertThat(run.error()).contains("nope");
        }
    }

    @Test
    void aFileThatIsNotParquet() throws IOException {
        Path input = goodDataset();
        Files.writeString(input.resolve("notes.parquet"), "hello, this is csv,1,2,3\n");
        assertFailsNaming(embed(input), "notes.parquet");
    }

    @Test
    void aTruncatedParquetFile() throws IOException {
        Path input = goodDataset();
        Path file = input.resolve("f1.parquet");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertFailsNaming(embed(input), "f1.parquet");
    }

    @Test
    void missingIdColumn() throws IOException {
        goodDataset();
        assertFailsNaming(embedWith("key", "body"), "key", "f0.parquet");
    }

    Cli.Result embedWith(String idColumn, String textColumn) {
        return cli.run("embed", "--model", "tiny", "--input", tmp.resolve("input").toString(), "--id-column", idColumn,
                "--text-column", textColumn, "--output", output.toString());
    }

    @Test
    void textColumnOfTheWrongType() throws IOException {
        goodDataset();
        assertFailsNaming(embedWith("id", "n"), "n", "f0.parquet");
    }

    @Test
    void duplicateIdsFailNamingTheFirstUnlessAllowed() throws IOException {
        Path input = tmp.resolve("dups");
        Files.createDirectories(input);
        Parquet.write(input.resolve("a.parquet"), EmbedCliIT.SCHEMA, List.of(row(1, "one"), row(2, "two"), row(3, "three")));
        Parquet.write(input.resolve("b.parquet"), EmbedCliIT.SCHEMA, List.of(row(4, "four"), row(2, "two again")));
        assertFailsNaming(embed(input), "duplicate id '2'", "a.parquet row 1", "b.parquet row 1");

        Cli.Result allowed = embed(input, "--allow-duplicate-ids");
        assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
        assertThat(EmbeddingTableReader.readAll(output)).hasSize(5);
    }

    @Test
    void modelWithoutTokenizerIsRefusedAtImport() throws IOException {
        Path model = tmp.resolve("broken-model");
        Files.createDirectories(model);
        Files.copy(TestModels.fixture("tiny-dict").resolve("tiny-dict.pt"), model.resolve("tiny-dict.pt"));
        Cli.Result result = cli.run("model", "import", model.toString(), "--name", "broken");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("tokenizer.json");
    }

    @Test
    void unreadableTorchScriptIsNamedWhenTheJobLoadsIt() throws IOException {
        Path model = tmp.resolve("bad-weights");
        Files.createDirectories(model);
        for (String f : List.of("tokenizer.json", "serving.properties")) {
            Files.copy(TestModels.fixture("tiny-dict").resolve(f), model.resolve(f));
        }
        Files.writeString(model.resolve("weights.pt"), "not a torchscript archive");
        assertThat(cli.run("model", "import", model.toString(), "--name", "bad").exitCode()).isZero();
        Cli.Result result = cli.run("embed", "--model", "bad", "--input", goodDataset().toString(), "--id-column", "id",
                "--text-column", "body", "--output", output.toString());
        assertFailsNaming(result, "weights.pt");
    }

    @Test
    void badUsageExitsWithTwo() {
        Cli.Result result = cli.run("embed", "--model", "tiny");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(cli.run("no-such-command").exitCode()).isEqualTo(2);
        assertThat(cli.run("embed", "--help").exitCode()).isZero();
    }

    @Test
    void verboseAddsTheStackTrace() {
        Cli.Result result = cli.run("--verbose", "embed", "--model", "tiny", "--input", tmp.resolve("nope").toString(),
                "--id-column", "id", "--text-column", "body", "--output", output.toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("\tat ");
    }

    @Test
    void unknownModelVersion() throws IOException {
        Cli.Result result = cli.run("embed", "--model", "tiny/7", "--input", goodDataset().toString(), "--id-column", "id",
                "--text-column", "body", "--output", output.toString());
        assertFailsNaming(result, "tiny/7");
    }

    @Test
    void anOutputThatAlreadyHoldsATableIsNeverReplaced() throws IOException {
        Path input = goodDataset();
        Files.createDirectories(output);
        Files.writeString(output.resolve("keep.txt"), "precious");
        Cli.Result result = embed(input);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("already exists and is not empty");
        assertThat(Files.readString(output.resolve("keep.txt"))).isEqualTo("precious");
    }

    @Test
    void aHugeTextIsTruncatedAndCountedNotRejected() throws IOException {
        Path input = tmp.resolve("huge");
        Files.createDirectories(input);
        String huge = "river city data ".repeat(200_000);
        Parquet.write(input.resolve("a.parquet"), EmbedCliIT.SCHEMA, List.of(row(1, "short text"), row(2, huge), row(3, "")));
        Cli.Result result = embed(input);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        var manifest = io.embedflow.connectors.table.TableManifest.read(output);
        assertThat(manifest.rowCount()).isEqualTo(2);
        assertThat(manifest.truncatedCount()).isEqualTo(1);
        assertThat(manifest.rejectedCount()).isEqualTo(1);
    }

    static Map<String, Object> row(long id, String text) {
        Map<String, Object> r = new HashMap<>();
        r.put("id", id);
        r.put("body", text);
        r.put("n", 1);
        return r;
    }
}
