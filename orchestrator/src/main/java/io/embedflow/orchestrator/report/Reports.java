package io.embedflow.orchestrator.report;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run reports: one self-contained HTML file per run at {@code <home>/reports/<run id>.html}
 * ({@link #path}), which opens offline (inline CSS, charts as inline SVG, links only to other reports
 * in the same folder), and one per A/B comparison at {@code <home>/reports/eval-<run A>-<run B>.html}.
 * A report is written from the run's record and metrics in the metadata store and, for runs that
 * wrote a table, from that table (its manifest and first rejected rows); writing it again gives the
 * same report with what is known by then.
 *
 * <p>Reports are written whole or not at all (a temporary file renamed into place), so a reader,
 * such as {@code embedflow serve}'s web UI, never sees half of one.
 *
 * <pre>{@code
 * Reports reports = Reports.of(home);
 * Path report = reports.ensure(runId);   // written first if missing
 * }</pre>
 */
public final class Reports {
    /** The folder under the embedflow home that holds the reports. */
    public static final String DIRECTORY = "reports";
    /** Most rejected rows a report lists (the count says how many there are). */
    public static final int REJECTED_SHOWN = 100;

    private static final Logger LOG = LoggerFactory.getLogger(Reports.class);
    private static final Pattern SAFE_RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Most recent runs looked at by {@link #writeEnded}. */
    private static final int RECENT_RUNS = 200;

    private final Path home;
    private final MetadataStore metadata;
    private final RunFactsReader facts;
    private final Clock clock;

    public Reports(Path home, MetadataStore metadata, S3Settings s3, Clock clock) {
        this.home = home;
        this.metadata = metadata;
        this.facts = new RunFactsReader(metadata, s3);
        this.clock = clock;
    }

    /** The reports of the runs in {@code home}, with S3 settings from the environment. */
    public static Reports of(EmbedflowHome home) {
        return new Reports(home.root(), home.metadata(), S3Settings.fromEnvironment(), Clock.systemUTC());
    }

    /**
     * Where the report of run {@code runId} is (or will be): {@code <home>/reports/<run id>.html}.
     *
     * @throws OrchestratorException when the id could not be a file name (a path separator, say)
     */
    public static Path path(Path home, String runId) {
        return home.resolve(DIRECTORY).resolve(fileName(runId));
    }

    /** Where the report comparing the evaluation runs {@code runA} and {@code runB} is. */
    public static Path comparisonPath(Path home, String runA, String runB) {
        requireSafe(runA);
        requireSafe(runB);
        return home.resolve(DIRECTORY).resolve("eval-" + runA + "-" + runB + ".html");
    }

    /** The report's file name in {@value #DIRECTORY}: {@code <run id>.html}. */
    static String fileName(String runId) {
        requireSafe(runId);
        return runId + ".html";
    }

    static boolean isSafeRunId(String runId) {
        return runId != null && SAFE_RUN_ID.matcher(runId).matches();
    }

    private static void requireSafe(String runId) {
        if (!isSafeRunId(runId)) {
            throw new OrchestratorException("run id '" + runId + "' cannot name a report file: it must be letters, digits, "
                    + "'.', '_' and '-', starting with a letter or digit");
        }
    }

    /**
     * Writes the report of run {@code idOrPrefix} (an id or a unique prefix) now, replacing any earlier one.
     *
     * @throws OrchestratorException when there is no such run or the report cannot be written
     */
    public Path write(String idOrPrefix) {
        RunFacts run = facts.read(idOrPrefix, REJECTED_SHOWN);
        return writeFile(path(home, run.run().id()), RunReport.render(run, clock.instant()));
    }

    /**
     * The path of the report of run {@code idOrPrefix}, written first when it is missing or older than the
     * run's end (written while it ran): what a reader such as the web UI calls before serving a report.
     */
    public Path ensure(String idOrPrefix) {
        RunRecord run = metadata.findRun(idOrPrefix)
                .orElseThrow(() -> new OrchestratorException("run '" + idOrPrefix + "' not found"));
        Path report = path(home, run.id());
        try {
            if (Files.exists(report) && (run.finishedAt() == null
                    || !Files.getLastModifiedTime(report).toInstant().isBefore(run.finishedAt()))) {
                return report;
            }
        } catch (IOException e) {
            LOG.debug("cannot read the time of {}; writing it again", report, e);
        }
        return write(run.id());
    }

    /**
     * Writes the reports of the runs that started at or after {@code since} and have ended: what a
     * command calls when it is done, whichever way it ended, so that nested runs (an evaluation's
     * corpus refresh, say) and failed runs get theirs too. A report that cannot be written is logged
     * and skipped: the run's outcome stands without it.
     *
     * @return the reports written
     */
    public List<Path> writeEnded(Instant since) {
        List<Path> written = new ArrayList<>();
        // stored start times may be coarser than the clock: a second of slack, at worst a report rewritten
        Instant from = since.minus(Duration.ofSeconds(1));
        try {
            for (RunRecord run : metadata.listRuns(RECENT_RUNS)) {
                if (run.startedAt().isBefore(from)) {
                    break;
                }
                if (run.status().isTerminal()) {
                    try {
                        written.add(write(run.id()));
                    } catch (RuntimeException e) {
                        LOG.warn("the report of run {} was not written", run.id(), e);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("reports of the runs since {} were not written", since, e);
        }
        return written;
    }

    /**
     * Writes the report of run {@code runId} if it has a record and has ended; otherwise, or when the report
     * cannot be written, logs why and writes nothing. For callers whose run may have failed before it was
     * recorded, such as {@code embedflow serve} after each attempt.
     */
    public Optional<Path> writeIfEnded(String runId) {
        try {
            Optional<RunRecord> run = metadata.findRun(runId);
            if (run.isPresent() && run.get().status().isTerminal()) {
                return Optional.of(write(run.get().id()));
            }
            LOG.debug("run {} has {}: no report yet", runId, run.isPresent() ? "not ended" : "no record");
        } catch (RuntimeException e) {
            LOG.warn("the report of run {} was not written", runId, e);
        }
        return Optional.empty();
    }

    /** Writes the report of an A/B comparison, replacing any earlier one of the same two runs. */
    public Path writeComparison(ModelComparison comparison) {
        return writeFile(comparisonPath(home, comparison.a().runId(), comparison.b().runId()),
                ComparisonReport.render(comparison, clock.instant()));
    }

    private static Path writeFile(Path file, String html) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
            try {
                Files.writeString(tmp, html, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return file;
        } catch (IOException e) {
            throw new OrchestratorException("cannot write the report " + file + ": " + e.getMessage(), e);
        }
    }
}
