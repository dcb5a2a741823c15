package io.embedflow.orchestrator.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.parquet.RejectedRow;
import io.embedflow.connectors.parquet.RejectedRowReader;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.connectors.table.TableVersions;
import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.metadata.StoredDataSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Gathers a run's {@link RunFacts} from the metadata store and, for runs that wrote a table
 * (refresh, infer), from the table: its manifest, the version it committed, and its first rejected
 * rows, read part file by part file until enough are read. Nothing is written.
 */
final class RunFactsReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Newest versions of a versioned table searched for the one a run committed. */
    private static final int VERSIONS_SEARCHED = 50;

    private final MetadataStore metadata;
    private final S3Settings s3;

    RunFactsReader(MetadataStore metadata, S3Settings s3) {
        this.metadata = metadata;
        this.s3 = s3;
    }

    /**
     * The facts of run {@code runId}, with at most {@code rejectedShown} rejected rows.
     *
     * @throws OrchestratorException when there is no such run
     */
    RunFacts read(String runId, int rejectedShown) {
        RunRecord run = metadata.findRun(runId)
                .orElseThrow(() -> new OrchestratorException("run '" + runId + "' not found"));
        List<String> notes = new ArrayList<>();
        JsonNode metrics = null;
        Optional<String> json = metadata.findRunMetrics(run.id());
        if (json.isPresent()) {
            try {
                metrics = JSON.readTree(json.get());
            } catch (Exception e) {
                notes.add("the run's metrics cannot be read: " + e.getMessage());
            }
        }
        StoredDataSnapshot data = run.dataSnapshotId() == null ? null
                : metadata.findDataSnapshot(run.dataSnapshotId()).orElse(null);
        RunFacts.TableFacts table = null;
        if (writesTable(run) && run.status() == RunStatus.SUCCEEDED && run.outputPath() != null) {
            try {
                table = table(run, rejectedShown, notes);
            } catch (RuntimeException e) {
                notes.add("the table at " + run.outputPath() + " cannot be read: " + e.getMessage());
            }
        }
        return new RunFacts(run, metrics, data, table, notes);
    }

    private static boolean writesTable(RunRecord run) {
        return run.kind().equals("refresh") || run.kind().equals("infer");
    }

    private RunFacts.TableFacts table(RunRecord run, int rejectedShown, List<String> notes) {
        // the job's own output: the table itself, or the run's directory in a versioned table
        String own = configValue(run, RefreshOptions.OUTPUT.key()).orElse(run.outputPath());
        boolean versioned = !own.equals(run.outputPath());
        try (TableLocation location = TableLocation.open(own, s3)) {
            Optional<TableManifest> manifest = location.manifest();
            if (manifest.isEmpty() || !manifest.get().runId().equals(run.id())) {
                notes.add("the table at " + own + " no longer holds this run's output"
                        + manifest.map(m -> " (it holds run " + m.runId() + "'s)").orElse(""));
                return null;
            }
            List<RejectedRow> rejected = new ArrayList<>();
            for (TableFile file : manifest.get().rejectedFiles()) {
                if (rejected.size() >= rejectedShown) {
                    break;
                }
                List<RejectedRow> rows = location.readFile(file, RejectedRowReader::readFile);
                rejected.addAll(rows.subList(0, Math.min(rows.size(), rejectedShown - rejected.size())));
            }
            return new RunFacts.TableFacts(own, versioned ? committedVersion(run) : null, manifest.get(), rejected);
        }
    }

    /** The version of the run's versioned table that the run committed, or null when none of the newest is its. */
    private Long committedVersion(RunRecord run) {
        try (TableVersions versions = TableVersions.open(run.outputPath(), s3)) {
            List<Long> numbers = versions.numbers();
            for (int i = numbers.size() - 1; i >= Math.max(0, numbers.size() - VERSIONS_SEARCHED); i--) {
                if (versions.read(numbers.get(i)).manifest().runId().equals(run.id())) {
                    return numbers.get(i);
                }
            }
            return null;
        }
    }

    static Optional<String> configValue(RunRecord run, String key) {
        if (run.configJson() == null) {
            return Optional.empty();
        }
        try {
            JsonNode value = JSON.readTree(run.configJson()).get(key);
            return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
