package io.embedflow.orchestrator.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real CLI-like processes writing one SQLite file at the same time. */
class SqliteMultiProcessTest {

    private static final Pattern COUNTS = Pattern.compile("versions=(\\d+) moves=(\\d+) casRefusals=(\\d+)");

    @TempDir
    Path tmp;

    @Test
    void concurrentProcessesImportingAndMovingAliasesNeitherCorruptNorLoseAnything() throws Exception {
        Path file = tmp.resolve("shared.db");
        int processes = 3;
        int rounds = 25;
        List<Process> started = new ArrayList<>();
        try {
            for (int i = 0; i < processes; i++) {
                started.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m", "-cp", System.getProperty("java.class.path"), ConcurrentWriterMain.class.getName(),
                        file.toString(), "w" + i, Integer.toString(rounds))
                        .redirectErrorStream(true)
                        .redirectOutput(tmp.resolve("w" + i + ".log").toFile())
                        .start());
            }
            int versions = 0;
            int moves = 0;
            for (int i = 0; i < processes; i++) {
                Process p = started.get(i);
                assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("process w%d finished", i).isTrue();
                String output = log(i);
                assertThat(p.exitValue()).as("exit of w%d:%n%s", i, output).isZero();
                Matcher m = COUNTS.matcher(output);
                assertThat(m.find()).as(output).isTrue();
                versions += Integer.parseInt(m.group(1));
                moves += Integer.parseInt(m.group(2));
            }

            assertThat(versions).isEqualTo(processes * rounds);
            try (MetadataStore store = MetadataStore.openSqlite(file)) {
                assertThat(store.listModelVersions("m")).extracting(ModelVersion::version)
                        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, versions).boxed().toList());
                for (int i = 0; i < processes; i++) {
                    assertThat(store.listModelVersions("solo-w" + i)).hasSize(rounds);
                }
                List<AliasMove> history = store.aliasHistory("m", null);
                assertThat(history).hasSize(moves);
                List<AliasMove> shared = store.aliasHistory("m", "shared");
                assertThat(shared).hasSize(processes * rounds);
                for (int i = 1; i < shared.size(); i++) {
                    assertThat(shared.get(i).fromVersion()).isEqualTo(shared.get(i - 1).toVersion());
                }
                assertThat(store.findAlias("m", "shared").orElseThrow().version())
                        .isEqualTo(shared.get(shared.size() - 1).toVersion());
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
                assertThat(SqliteMetadataStoreTest.strings(s, "PRAGMA integrity_check")).containsExactly("ok");
                assertThat(MetadataStoreContract.ints(s, "SELECT COUNT(*) FROM " + Migrations.HISTORY_TABLE)).containsExactly(4);
            }
        } finally {
            started.forEach(Process::destroyForcibly);
        }
    }

    private String log(int worker) throws IOException {
        return Files.readString(tmp.resolve("w" + worker + ".log"), StandardCharsets.UTF_8);
    }
}
