package io.embedflow.flink.source;

import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.shard.Shard;
import java.io.Serializable;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One shard (a Parquet row group) as a Flink split, with the number of its rows already emitted
 * so that a restored split resumes where it stopped.
 */
public final class ShardSplit implements SourceSplit, Serializable {
    private static final long serialVersionUID = 2L;

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

    String idColumn() {
        return idColumn;
    }

    String textColumn() {
        return textColumn;
    }

    IdType idType() {
        return idType;
    }

    ShardSplit withRowsDone(long done) {
        return new ShardSplit(shard, idColumn, textColumn, idType, done);
    }

    @Override
    public String splitId() {
        return shard.fileIndex() + ":" + shard.rowGroup();
    }

    @Override
    public String toString() {
        return "ShardSplit{" + shard.file() + " group " + shard.rowGroup() + ", done " + rowsDone + "}";
    }
}
