package io.embedflow.orchestrator.http.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only plain report files of the reports directory resolve; nothing leads out of it. */
class ReportFilesTest {

    @TempDir
    Path home;

    @Test
    void resolvesReportsOfTheDirectoryAndNothingElse() throws Exception {
        Path dir = Files.createDirectories(home.resolve("reports"));
        Files.writeString(dir.resolve("r-1.html"), "<p>report</p>");
        Files.writeString(dir.resolve(".hidden.html"), "x");
        Files.writeString(dir.resolve("notes.txt"), "x");
        Files.writeString(home.resolve("secret.html"), "secret");
        Files.createDirectories(dir.resolve("sub.html"));
        Files.createSymbolicLink(dir.resolve("escape.html"), home.resolve("secret.html"));
        Files.createSymbolicLink(dir.resolve("alias.html"), dir.resolve("r-1.html"));
        ReportFiles reports = new ReportFiles(dir);

        assertThat(reports.resolve("r-1.html")).hasValueSatisfying(p -> assertThat(p.getFileName()).hasToString("r-1.html"));
        assertThat(reports.resolve("alias.html")).as("a link to a report beside it").isPresent();
        for (String refused : List.of("../secret.html", "..%2Fsecret.html", "/etc/passwd", "sub/../r-1.html", ".hidden.html",
                "notes.txt", "escape.html", "sub.html", "missing.html", "r-1.html\u0000.txt", "", "..html", "a..b.html")) {
            assertThat(reports.resolve(refused)).as(refused).isEmpty();
        }
        assertThat(reports.resolve(null)).isEmpty();
        assertThat(reports.linkFor("r-1")).hasValue("/reports/r-1.html");
        assertThat(reports.linkFor("r-2")).isEmpty();
        assertThat(new ReportFiles(home.resolve("no-reports-yet")).linkFor("r-1")).isEmpty();
    }
}
