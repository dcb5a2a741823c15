package io.embedflow.orchestrator.http.ui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The run reports in {@code <home>/reports/}, one {@code <run id>.html} per run, as the web UI
 * serves them under {@code /reports/}. Only a plain file name of that directory is ever resolved:
 * separators, {@code ..}, hidden names, other extensions and links leading out of the directory are
 * refused, so a request cannot read anything else.
 */
final class ReportFiles {

    /** Where a report is served: {@code /reports/<run id>.html}. */
    static final String PATH = "/reports/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,199}\\.html");

    private final Path directory;

    ReportFiles(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    /** Whether {@code fileName} can name a report: a plain {@code <run id>.html}. */
    static boolean isReportName(String fileName) {
        return fileName != null && NAME.matcher(fileName).matches() && !fileName.contains("..");
    }

    /** The report file named {@code fileName}, when it is a report name and such a file exists. */
    Optional<Path> resolve(String fileName) {
        if (!isReportName(fileName)) {
            return Optional.empty();
        }
        Path file = directory.resolve(fileName).normalize();
        if (!file.getParent().equals(directory) || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            // a link in the directory must not lead out of it
            Path real = file.toRealPath();
            return real.getParent().equals(directory.toRealPath()) ? Optional.of(real) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The path a browser opens run {@code runId}'s report at, if it has one. */
    Optional<String> linkFor(String runId) {
        String name = runId + ".html";
        return resolve(name).map(f -> PATH + name);
    }
}
