package io.embedflow.flink.source;

import io.embedflow.connectors.parquet.ShardReader;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.shard.Shard;
import java.io.Serializable;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceSplit;

/**
 * One shard (a Parquet row group) as a Flink split, with the number of its rows already emitted
 * so that a restored split resumes where it stopped.
 */
public final class ShardSplit implements IteratorSourceSplit<TextRow, ShardSplit.RowIterator>, Serializable {
    private static final long serialVersionUID = 1L;

    private final Shard shard;
    private final String idColumn;
    private final String textColumn;
    private final IdType idType;
    private final long rowsDone;

    public ShardSplit(Shard shard, String idColumn, String textColumn, IdType idType, long rowsDone) {
        this.shard = shard;
        this.idColumn = idColumn;
        this.textColumn = textColumn;
        this.idType = idType;
        this.rowsDone = rowsDone;
    }

    public Shard shard() {
        return shard;
    }

    public long rowsDone() {
        return rowsDone;
    }

    @Override
    public String splitId() {
        return shard.fileIndex() + ":" + shard.rowGroup();
    }

    @Override
    public RowIterator getIterator() {
        return new RowIterator(this);
    }

    @Override
    public IteratorSourceSplit<TextRow, RowIterator> getUpdatedSplitForIterator(RowIterator iterator) {
        return new ShardSplit(shard, idColumn, textColumn, idType, rowsDone + iterator.emitted);
    }

    @Override
    public String toString() {
        return "ShardSplit{" + shard.file() + " group " + shard.rowGroup() + ", done " + rowsDone + "}";
    }

    /** Opens the row group on first use and closes it once exhausted. */
    public static final class RowIterator implements Iterator<TextRow> {
        private final ShardSplit split;
        private ShardReader reader;
        private long emitted;
        private boolean finished;

        RowIterator(ShardSplit split) {
            this.split = split;
            this.finished = split.rowsDone >= split.shard.rowCount();
        }

        @Override
        public boolean hasNext() {
            if (finished) {
                return false;
            }
            if (reader == null) {
                reader = ShardReader.resume(split.shard, split.idColumn, split.textColumn, split.idType, split.rowsDone);
            }
            if (!reader.hasNext()) {
                reader.close();
                finished = true;
                return false;
            }
            return true;
        }

        @Override
        public TextRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            emitted++;
            return reader.next();
        }
    }
}
