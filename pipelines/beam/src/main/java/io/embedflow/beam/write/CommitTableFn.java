package io.embedflow.beam.write;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.PartKind;
import io.embedflow.connectors.table.TableExistsException;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.connectors.table.TableManifest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * The single committer: receives the list of every reported part (one element, from a global combine), checks that
 * every planned input row is accounted for exactly once (embedded or rejected), and publishes the table through its
 * {@link TableLocation}: a local table is renamed into place, a table on S3 gets its manifest written last. Nothing
 * is visible before this succeeds. A retried commit that finds its own run's manifest reports it and changes
 * nothing; another run's table is never replaced.
 */
final class CommitTableFn extends DoFn<List<PartDescriptor>, CommittedTable> {
    private static final long serialVersionUID = 1L;

    private final String output;
    private final TableLineage lineage;
    private transient TableLocation table;

    CommitTableFn(String output, TableLineage lineage) {
        this.output = output;
        this.lineage = lineage;
    }

    @Setup
    public void setup() {
        table = TableLocation.open(output, S3Settings.fromEnvironment());
    }

    @ProcessElement
    public void process(@Element List<PartDescriptor> reported, OutputReceiver<CommittedTable> out) {
        var published = table.manifest().filter(m -> m.runId().equals(lineage.runId()));
        if (published.isPresent()) {
            out.output(describe(published.get()));
            return;
        }
        List<PartDescriptor> parts = new ArrayList<>(reported);
        parts.sort(Comparator.comparing(PartDescriptor::path));
        List<TableFile> data = new ArrayList<>();
        List<TableFile> rejected = new ArrayList<>();
        long rows = 0;
        long rejectedRows = 0;
        long truncated = 0;
        int dimension = 0;
        for (PartDescriptor p : parts) {
            if (p.kind() == PartKind.DATA) {
                data.add(new TableFile(p.path(), p.rows(), p.sizeBytes()));
                rows += p.rows();
                truncated += p.truncated();
                dimension = p.dimension();
            } else {
                rejected.add(new TableFile(p.path(), p.rows(), p.sizeBytes()));
                rejectedRows += p.rows();
            }
        }
        if (lineage.plannedRows() >= 0 && rows + rejectedRows != lineage.plannedRows()) {
            throw new BeamPipelineException("refusing to commit " + output + ": " + rows + " written + " + rejectedRows
                    + " rejected rows != " + lineage.plannedRows() + " input rows");
        }
        TableManifest manifest = new TableManifest(TableManifest.FORMAT, lineage.runId(), lineage.modelSnapshotId(),
                lineage.modelRef(), lineage.dataSnapshotId(), lineage.idType().name(), dimension, rows, rejectedRows,
                truncated, Instant.now(), data, rejected);
        try {
            table.publish(manifest);
        } catch (TableExistsException e) {
            throw new BeamPipelineException(e.getMessage(), e);
        }
        out.output(describe(manifest));
    }

    private CommittedTable describe(TableManifest m) {
        return new CommittedTable(table.describe(), m.runId(), m.rowCount(), m.rejectedCount(), m.truncatedCount(),
                m.dimension(), m.files().size() + m.rejectedFiles().size());
    }

    @Teardown
    public void teardown() {
        if (table != null) {
            table.close();
            table = null;
        }
    }
}
