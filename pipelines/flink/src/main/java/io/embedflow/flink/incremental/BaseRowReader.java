package io.embedflow.flink.incremental;

import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.flink.refresh.BaseTable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Reads the ids, content hashes and truncation flags (not the vectors: Parquet skips that column)
 * of one base file per input element, the file's index in {@link BaseTable#files()}. The base
 * table's location is opened once per subtask; a file on S3 is downloaded to a scratch file, checked
 * against the size the version lists, and deleted after the scan.
 */
public final class BaseRowReader extends RichFlatMapFunction<Integer, BaseRow> {
    private static final long serialVersionUID = 1L;

    private final BaseTable base;
    private final IdType idType;
    private transient TableLocation table;

    public BaseRowReader(BaseTable base, IdType idType) {
        this.base = base;
        this.idType = idType;
    }

    @Override
    public void open(OpenContext context) {
        table = TableLocation.open(base.location(), S3Settings.fromEnvironment());
    }

    @Override
    public void flatMap(Integer fileIndex, Collector<BaseRow> out) {
        TableFile file = base.files().get(fileIndex);
        long rows = table.readFile(file, path -> {
            long[] count = {0};
            EmbeddingTableReader.scan(path, false, row -> {
                out.collect(idType == IdType.STRING
                        ? new BaseRow(0, (String) row.id(), row.contentHash(), fileIndex, row.position(), row.truncated())
                        : new BaseRow(((Number) row.id()).longValue(), null, row.contentHash(), fileIndex, row.position(),
                                row.truncated()));
                count[0]++;
            });
            return count[0];
        });
        if (rows != file.rows()) {
            throw new IncrementalRefreshException("version " + base.version() + " of table " + base.location() + " lists "
                    + file.path() + " with " + file.rows() + " rows but it holds " + rows);
        }
    }

    @Override
    public void close() {
        if (table != null) {
            table.close();
        }
    }
}
