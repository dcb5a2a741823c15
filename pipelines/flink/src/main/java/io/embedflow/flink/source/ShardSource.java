package io.embedflow.flink.source;

import io.embedflow.connectors.prefetch.PrefetchOptions;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.store.ObjectStores;
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
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.util.InstantiationUtil;

/**
 * A bounded FLIP-27 source over a planned dataset, local or on S3: one split per Parquet row
 * group, assigned to subtasks deterministically (see {@link ShardEnumerator}), returned to the
 * enumerator when a reader fails and re-read by its replacement. Each reader knows its shards in
 * advance and fetches the next ones' bytes from S3 while it reads (see {@link ShardSourceReader}).
 */
public final class ShardSource implements Source<TextRow, ShardSplit, Collection<ShardSplit>> {
    private static final long serialVersionUID = 1L;

    private final List<ShardSplit> splits;
    private final boolean onS3;
    private final long prefetchBytes;
    private final int prefetchRequests;

    /** A source over {@code plan}; shards on S3 are fetched ahead with the default prefetch options. */
    public ShardSource(DatasetPlan plan) {
        this(plan, PrefetchOptions.defaults().byteBudget(), PrefetchOptions.defaults().maxConcurrency());
    }

    /**
     * @param prefetchBytes how many bytes of S3 shards each reader may hold ahead
     * @param prefetchRequests how many ranged GETs each reader may have in flight
     */
    public ShardSource(DatasetPlan plan, long prefetchBytes, int prefetchRequests) {
        List<ShardSplit> all = new ArrayList<>();
        for (Shard shard : plan.shards()) {
            all.add(new ShardSplit(shard, plan.idColumn(), plan.textColumn(), plan.idType(), 0));
        }
        this.splits = List.copyOf(all);
        this.onS3 = ObjectStores.isS3(plan.root());
        this.prefetchBytes = prefetchBytes;
        this.prefetchRequests = prefetchRequests;
        options(); // validates now, on the client, rather than in every task
    }

    private PrefetchOptions options() {
        return PrefetchOptions.defaults().withByteBudget(prefetchBytes).withMaxConcurrency(prefetchRequests);
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<TextRow, ShardSplit> createReader(SourceReaderContext context) {
        return new ShardSourceReader(context, onS3 ? () -> new S3ShardFetcher(S3Settings.fromEnvironment(), options())
                : LocalShardFetcher::new);
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
