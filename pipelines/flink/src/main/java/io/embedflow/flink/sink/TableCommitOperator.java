package io.embedflow.flink.sink;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableExistsException;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.flink.refresh.RefreshJobException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The single committer (parallelism 1): gathers the part files of the successful attempts, checks
 * that every planned input row is accounted for exactly once (embedded, rejected, or for an
 * incremental refresh kept from the base version), and publishes
 * the table through its {@link TableLocation}: a local table is renamed into place, a table on S3
 * gets its manifest written last. Nothing is visible before this succeeds. The table location
 * (and its S3 client) is opened once in {@link #open()} and closed in {@link #close()}.
 */
public final class TableCommitOperator extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<PartFile, Void>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /**
     * What the manifest says about where the rows came from.
     *
     * @param baseVersion the version an incremental refresh keeps rows of; null for a full refresh
     * @param retrieval for a predictions table: the corpus searched; else null
     */
    public record Lineage(String runId, String modelSnapshotId, String modelRef, String dataSnapshotId,
            String idType, long plannedRows, Long baseVersion, TableManifest.Retrieval retrieval)
            implements java.io.Serializable {
        public Lineage(String runId, String modelSnapshotId, String modelRef, String dataSnapshotId, String idType,
                long plannedRows, Long baseVersion) {
            this(runId, modelSnapshotId, modelRef, dataSnapshotId, idType, plannedRows, baseVersion, null);
        }
    }

    private final String output;
    private final Lineage lineage;
    private transient List<PartFile> parts;
    private transient TableLocation table;

    public TableCommitOperator(String output, Lineage lineage) {
        this.output = output;
        this.lineage = lineage;
    }

    @Override
    public void open() throws Exception {
        super.open();
        parts = new ArrayList<>();
        table = TableLocation.open(output, S3Settings.fromEnvironment());
    }

    @Override
    public void processElement(StreamRecord<PartFile> element) {
        PartFile p = element.getValue();
        parts.add(new PartFile(p.kind, p.path, p.rows, p.sizeBytes, p.truncated, p.dimension, p.inputRows));
    }

    @Override
    public void endInput() {
        if (alreadyPublished()) {
            return;
        }
        parts.sort(Comparator.comparing(p -> p.path));
        List<TableFile> data = new ArrayList<>();
        List<TableFile> rejected = new ArrayList<>();
        List<TableFile> carried = new ArrayList<>();
        long carriedRows = 0;
        long carriedTruncated = 0;
        long rows = 0;
        long inputRows = 0;
        long rejectedRows = 0;
        long truncated = 0;
        int dimension = 0;
        for (PartFile p : parts) {
            if (PartFile.DATA.equals(p.kind)) {
                data.add(new TableFile(p.path, p.rows, p.sizeBytes));
                rows += p.rows;
                inputRows += p.inputRows;
                truncated += p.truncated;
                dimension = p.dimension;
            } else if (PartFile.CARRIED.equals(p.kind)) {
                carried.add(new TableFile(p.path, p.rows, p.sizeBytes));
                carriedRows += p.rows;
                carriedTruncated += p.truncated;
                dimension = p.dimension;
            } else {
                rejected.add(new TableFile(p.path, p.rows, p.sizeBytes));
                rejectedRows += p.rows;
            }
        }
        if (inputRows + carriedRows + rejectedRows != lineage.plannedRows()) {
            throw new SuppressRestartsException(new RefreshJobException("refusing to commit " + output + ": "
                    + inputRows + " written + " + carriedRows + " kept in place + " + rejectedRows + " rejected rows != "
                    + lineage.plannedRows() + " input rows"));
        }
        TableManifest manifest = new TableManifest(TableManifest.FORMAT, lineage.runId(), lineage.modelSnapshotId(),
                lineage.modelRef(), lineage.dataSnapshotId(), lineage.idType(), dimension, rows, rejectedRows, truncated,
                Instant.now(), data, rejected, lineage.baseVersion(),
                lineage.baseVersion() == null ? null : new TableManifest.Carried(carried, carriedTruncated),
                lineage.retrieval());
        try {
            table.publish(manifest);
        } catch (TableExistsException e) {
            throw new SuppressRestartsException(new RefreshJobException(e.getMessage(), e));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (table != null) {
                table.close();
            }
        } finally {
            super.close();
        }
    }

    /** A committer restarted after it published (its task failed later) finds its own table there. */
    private boolean alreadyPublished() {
        return table.manifest().map(m -> m.runId().equals(lineage.runId())).orElse(false);
    }
}
