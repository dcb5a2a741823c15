package io.embedflow.flink.source;

import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.shard.DatasetPlan;
import io.embedflow.connectors.shard.Shard;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceReader;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.util.InstantiationUtil;

/**
 * A bounded FLIP-27 source over a planned dataset: one split per Parquet row group, assigned
 * to subtasks deterministically (see {@link ShardEnumerator}), returned to the enumerator when
 * a reader fails and re-read by its replacement.
 */
public final class ShardSource implements Source<TextRow, ShardSplit, Collection<ShardSplit>> {
    private static final long serialVersionUID = 1L;

    private final List<ShardSplit> splits;

    public ShardSource(DatasetPlan plan) {
        List<ShardSplit> all = new ArrayList<>();
        for (Shard shard : plan.shards()) {
            all.add(new ShardSplit(shard, plan.idColumn(), plan.textColumn(), plan.idType(), 0));
        }
        this.splits = List.copyOf(all);
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<TextRow, ShardSplit> createReader(SourceReaderContext context) {
        return new IteratorSourceReader<>(context);
    }

    @Override
    public SplitEnumerator<ShardSplit, Collection<ShardSplit>> createEnumerator(SplitEnumeratorContext<ShardSplit> context) {
        return new ShardEnumerator(context, splits);
    }

    @Override
    public SplitEnumerator<ShardSplit, Collection<ShardSplit>> restoreEnumerator(
            SplitEnumeratorContext<ShardSplit> context, Collection<ShardSplit> checkpoint) {
        return new ShardEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<ShardSplit> getSplitSerializer() {
        return new JavaSerializer<>();
    }

    @Override
    public SimpleVersionedSerializer<Collection<ShardSplit>> getEnumeratorCheckpointSerializer() {
        return new JavaSerializer<>();
    }

    /** Splits are small (a path and a few numbers): Java serialization is enough. */
    static final class JavaSerializer<T> implements SimpleVersionedSerializer<T> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(T obj) throws IOException {
            return InstantiationUtil.serializeObject(obj);
        }

        @Override
        public T deserialize(int version, byte[] serialized) throws IOException {
            try {
                return InstantiationUtil.deserializeObject(serialized, JavaSerializer.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
        }
    }
}
