package io.embedflow.flink.incremental;

import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.EmbeddingTableWriter;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.PartKind;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.flink.embed.EmbedOperator;
import io.embedflow.flink.refresh.BaseTable;
import io.embedflow.flink.sink.PartFile;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Carries the kept rows of the base version into the new one, without the model: a base file all of
 * whose rows are kept is referenced as it is ({@link PartFile#CARRIED}, no bytes copied); a file
 * that lost rows is rewritten with only its kept rows, vectors copied, into a part of this run
 * ({@code part-kept-<file>-<attempt>.parquet}); a file that lost every row is left out. Its input is
 * keyed by base file, so each file is handled by one subtask; it holds one bit per row of the files
 * it sees. Counts go to the job accumulators {@code embedflow.filesCarried} and
 * {@code filesRewritten}.
 */
public final class CarryOverOperator extends AbstractStreamOperator<PartFile>
        implements OneInputStreamOperator<KeptRow, PartFile>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final BaseTable base;
    private final String runTableLocation;
    private final String runId;
    private final IdType idType;

    private transient Map<Integer, BitSet> keptRows;
    private transient Map<Integer, Long> keptTruncated;

    /** @param output the run's table location, where rewritten files are staged */
    public CarryOverOperator(BaseTable base, String output, String runId, IdType idType) {
        this.base = base;
        this.runTableLocation = output;
        this.runId = runId;
        this.idType = idType;
    }

    @Override
    public void open() throws Exception {
        super.open();
        keptRows = new TreeMap<>();
        keptTruncated = new TreeMap<>();
    }

    @Override
    public void processElement(StreamRecord<KeptRow> element) {
        KeptRow row = element.getValue();
        keptRows.computeIfAbsent(row.fileIndex, i -> new BitSet()).set(Math.toIntExact(row.rowInFile));
        if (row.truncated) {
            keptTruncated.merge(row.fileIndex, 1L, Long::sum);
        }
    }

    @Override
    public void endInput() {
        if (keptRows.isEmpty()) {
            return;
        }
        long carried = 0;
        long rewritten = 0;
        try (TableLocation baseTable = TableLocation.open(base.location(), S3Settings.fromEnvironment(), scratchDir());
                TableLocation runTable = TableLocation.open(runTableLocation, S3Settings.fromEnvironment(), scratchDir())) {
            for (Map.Entry<Integer, BitSet> e : keptRows.entrySet()) {
                TableFile file = base.files().get(e.getKey());
                BitSet rows = e.getValue();
                long truncated = keptTruncated.getOrDefault(e.getKey(), 0L);
                if (rows.cardinality() == file.rows()) {
                    output.collect(new StreamRecord<>(new PartFile(PartFile.CARRIED, file.path(), file.rows(), file.sizeBytes(),
                            truncated, base.dimension())));
                    carried++;
                } else {
                    output.collect(new StreamRecord<>(rewrite(baseTable, runTable, e.getKey(), file, rows, truncated)));
                    rewritten++;
                }
            }
        }
        getRuntimeContext().addAccumulator(EmbedOperator.ACC_PREFIX + "filesCarried", new LongCounter(carried));
        getRuntimeContext().addAccumulator(EmbedOperator.ACC_PREFIX + "filesRewritten", new LongCounter(rewritten));
    }

    /** Copies the kept rows of base file {@code file} into a new part of the run. */
    private PartFile rewrite(TableLocation baseTable, TableLocation runTable, int fileIndex, TableFile file, BitSet rows,
            long truncated) {
        String name = String.format("part-kept-%05d-%d.parquet", fileIndex, getRuntimeContext().getTaskInfo().getAttemptNumber());
        Path target = runTable.partFile(runId, PartKind.DATA, name);
        long written;
        try (EmbeddingTableWriter writer = new EmbeddingTableWriter(target, idType, base.dimension())) {
            baseTable.readFile(file, path -> {
                EmbeddingTableReader.scan(path, true, row -> {
                    if (row.position() < Integer.MAX_VALUE && rows.get((int) row.position())) {
                        if (idType == IdType.STRING) {
                            writer.write(0, (String) row.id(), row.embedding(), row.contentHash(), row.truncated());
                        } else {
                            writer.write(((Number) row.id()).longValue(), null, row.embedding(), row.contentHash(),
                                    row.truncated());
                        }
                    }
                });
                return null;
            });
            written = writer.rowCount();
        }
        if (written != rows.cardinality()) {
            throw new IncrementalRefreshException("version " + base.version() + " of table " + base.location() + ": "
                    + file.path() + " holds " + written + " of the " + rows.cardinality() + " rows to keep");
        }
        TableFile part = runTable.stagePart(runId, PartKind.DATA, name, written);
        return new PartFile(PartFile.DATA, part.path(), part.rows(), part.sizeBytes(), truncated, base.dimension());
    }

    /** One of the task manager's temporary directories, spread over subtasks. */
    private Path scratchDir() {
        String[] dirs = getContainingTask().getEnvironment().getTaskManagerInfo().getTmpDirectories();
        return Path.of(dirs[getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() % dirs.length]);
    }
}
