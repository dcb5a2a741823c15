package io.embedflow.orchestrator.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportsTest {
    private static final Instant T0 = Instant.parse("2020-01-02T10:00:00Z");

    @TempDir
    Path home;

    private MetadataStore metadata;
    private Reports reports;

    @BeforeEach
    void open() {
        metadata = MetadataStore.openSqlite(home.resolve("embedflow.db"));
        reports = new Reports(home, metadata, S3Settings.fromEnvironment(), Clock.fixed(T0.plusSeconds(3600), ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        metadata.close();
    }

    private RunRecord insert(String id, Instant start, RunStatus status, String error) {
        RunRecord run = RunRecord.started(id, "refresh", "starter/1", "snap", null, "/in", home.resolve("missing-table").toString(),
                "{}", "code", start);
        if (status != RunStatus.RUNNING) {
            run = run.finished(status, 10, 0, 0, 0, start.plusSeconds(2), error);
        }
        metadata.insertRun(run);
        return run;
    }

    @Test
    void aReportLivesUnderTheHomeByRunIdAndIdsThatCannotNameAFileAreRefused() {
        assertThat(Reports.path(home, "r-20261129-100000-abcdef")).isEqualTo(home.resolve("reports/r-20261129-100000-abcdef.html"));
        assertThat(Reports.comparisonPath(home, "r-a", "r-b")).isEqualTo(home.resolve("reports/eval-r-a-r-b.html"));
        for (String bad : new String[] {"../etc/passwd", "a/b", "", ".hidden", "x\\y", "a b", null}) {
            assertThatThrownBy(() -> Reports.path(home, bad)).as(bad).isInstanceOf(OrchestratorException.class);
        }
    }

    @Test
    void ensureWritesAMissingReportOnceAndWriteReplacesIt() throws Exception {
        insert("r-1", T0, RunStatus.FAILED, "out of <memory>");
        Path report = reports.ensure("r-1");
        assertThat(report).isEqualTo(Reports.path(home, "r-1")).exists();
        Document doc = ReportChecks.parseValid(Files.readString(report));
        assertThat(doc.selectFirst("#error").text()).isEqualTo("out of <memory>");

        Files.writeString(report, "kept");
        assertThat(reports.ensure("r-1")).hasContent("kept");
        Files.setLastModifiedTime(report, FileTime.from(T0));
        assertThat(Files.readString(reports.ensure("r-1"))).as("a report older than the run's end is written again")
                .contains("out of &lt;memory&gt;");
        Files.writeString(report, "kept");
        assertThat(Files.readString(reports.write("r-1"))).contains("out of &lt;memory&gt;");
        try (Stream<Path> files = Files.list(report.getParent())) {
            assertThat(files).as("no temporary files left").containsExactly(report);
        }
        assertThatThrownBy(() -> reports.ensure("r-nope")).isInstanceOf(OrchestratorException.class).hasMessageContaining("not found");
    }

    @Test
    void writeEndedWritesTheRunsThatStartedSinceAndEndedButNotRunningOrOlderOnes() {
        insert("r-old", T0.minusSeconds(60), RunStatus.SUCCEEDED, null);
        insert("r-ok", T0.plusSeconds(1), RunStatus.SUCCEEDED, null);
        insert("r-failed", T0.plusSeconds(2), RunStatus.FAILED, "boom");
        insert("r-running", T0.plusSeconds(3), RunStatus.RUNNING, null);

        assertThat(reports.writeEnded(T0)).containsExactlyInAnyOrder(Reports.path(home, "r-ok"), Reports.path(home, "r-failed"));
        assertThat(Reports.path(home, "r-old")).doesNotExist();
        assertThat(Reports.path(home, "r-running")).doesNotExist();
    }

    @Test
    void aRefreshWhoseTableIsGoneGetsAReportThatSaysSo() throws Exception {
        insert("r-gone", T0, RunStatus.SUCCEEDED, null);
        Document doc = ReportChecks.parseValid(Files.readString(reports.write("r-gone")));
        assertThat(doc.select("#notes li").text()).contains("no longer holds this run's output");
    }
}
