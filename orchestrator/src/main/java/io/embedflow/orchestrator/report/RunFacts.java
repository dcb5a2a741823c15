package io.embedflow.orchestrator.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.embedflow.connectors.parquet.RejectedRow;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.StoredDataSnapshot;
import java.util.List;
import java.util.Objects;

/**
 * Everything one run's report shows: the run record, its metrics as recorded, and, where the run
 * wrote a table, that table's manifest and its first rejected rows. A part that could not be read
 * is absent and explained in {@code notes}, so that a report is written whatever is left.
 *
 * @param metrics the run's metrics JSON, or a missing node when it has none
 * @param data the run's data snapshot, or null
 * @param table the run's own table, or null
 * @param notes what could not be shown, and why
 */
record RunFacts(RunRecord run, JsonNode metrics, StoredDataSnapshot data, TableFacts table, List<String> notes) {

    RunFacts {
        Objects.requireNonNull(run, "run");
        metrics = metrics == null ? MissingNode.getInstance() : metrics;
        notes = List.copyOf(notes);
    }

    /**
     * A run's table.
     *
     * @param location where the run wrote it (for a versioned table, the run's own directory in it)
     * @param version the version of the table that the run committed, or null for a table of its own
     * @param rejected the first rejected rows, at most as many as the report shows; the manifest has the count
     */
    record TableFacts(String location, Long version, TableManifest manifest, List<RejectedRow> rejected) {
        TableFacts {
            rejected = List.copyOf(rejected);
        }
    }
}
