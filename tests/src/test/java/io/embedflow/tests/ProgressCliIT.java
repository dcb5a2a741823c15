package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress bars through the CLI: drawn on stderr with their rate when asked for with {@code --progress},
 * never when stderr is not a terminal (as under Maven) or with {@code --no-progress}.
 */
class ProgressCliIT {

    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("home"));
    }

    @Test
    void modelImportDrawsMegabytesHashedAndStoredWhenAsked() {
        Stderr forced = stderrOf(() -> cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny",
                "--progress"));
        Stderr quiet = stderrOf(() -> cli.run("model", "import", TestModels.fixture("tiny-tuple").toString(), "--name", "tiny"));

        assertThat(forced.result().exitCode()).as(forced.result().toString()).isZero();
        assertThat(forced.text()).contains("importing").contains("100%").contains("MB/s");
        assertThat(quiet.result().exitCode()).as(quiet.result().toString()).isZero();
        assertThat(quiet.text()).as("stderr is a pipe here").doesNotContain("importing");
    }

    @Test
    void embedDrawsRowsPerSecondAndTheEtaWhenAskedAndNothingWithNoProgress() throws Exception {
        cli.run("model", "import", TestModels.fixture("tiny-dict").toString(), "--name", "tiny");
        Path input = tmp.resolve("data/docs");
        EmbedCliIT.writeDataset(input, 40, 7);

        Stderr forced = stderrOf(() -> cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", tmp.resolve("t1").toString(), "--progress"));
        Stderr off = stderrOf(() -> cli.run("embed", "--model", "tiny/1", "--input", input.toString(), "--id-column", "id",
                "--text-column", "body", "--output", tmp.resolve("t2").toString(), "--progress", "--no-progress"));

        assertThat(forced.result().exitCode()).as(forced.result().toString()).isZero();
        assertThat(forced.text()).contains("embedding").contains("rows/s").contains("100%");
        assertThat(off.result().exitCode()).as(off.result().toString()).isZero();
        assertThat(off.text()).doesNotContain("embedding");
    }

    record Stderr(Cli.Result result, String text) {
    }

    /** Runs {@code command} with {@code System.err} captured, where the bars are drawn. */
    static Stderr stderrOf(Supplier<Cli.Result> command) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Cli.Result result = command.get();
            return new Stderr(result, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }
}
