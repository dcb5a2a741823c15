package io.embedflow.beam.read;

import io.embedflow.connectors.io.ObjectInputFile;
import io.embedflow.connectors.parquet.ShardReader;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.s3.S3Uri;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.shard.Shard;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.ObjectStores;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Reads one shard per element with connectors' {@link ShardReader}. Object stores (one per bucket, from
 * {@link S3Settings#fromEnvironment()} of the worker) are opened on first use and closed in {@link #teardown()}.
 *
 * <p>Metrics (namespace {@code ReadShards}): {@code shardsRead}, {@code rowsRead}, {@code bytesRead} (the planned
 * footer and column chunk bytes of each shard).
 */
final class ReadShardFn extends DoFn<Shard, TextRow> {
    private static final long serialVersionUID = 1L;

    private final String idColumn;
    private final String textColumn;
    private final IdType idType;
    private final Counter shardsRead = Metrics.counter("ReadShards", "shardsRead");
    private final Counter rowsRead = Metrics.counter("ReadShards", "rowsRead");
    private final Counter bytesRead = Metrics.counter("ReadShards", "bytesRead");
    private transient Map<String, ObjectStore> stores;

    ReadShardFn(String idColumn, String textColumn, IdType idType) {
        this.idColumn = idColumn;
        this.textColumn = textColumn;
        this.idType = idType;
    }

    @Setup
    public void setup() {
        stores = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element Shard shard, OutputReceiver<TextRow> out) {
        long rows = 0;
        try (ShardReader reader = open(shard)) {
            while (reader.hasNext()) {
                out.output(reader.next());
                rows++;
            }
        }
        shardsRead.inc();
        rowsRead.inc(rows);
        bytesRead.inc(shard.bytesToRead());
    }

    private ShardReader open(Shard shard) {
        if (!ObjectStores.isS3(shard.file())) {
            return new ShardReader(shard, idColumn, textColumn, idType);
        }
        S3Uri file = S3Uri.parseObject(shard.file());
        ObjectStore store = stores.computeIfAbsent(file.bucket(),
                bucket -> ObjectStores.open("s3://" + bucket + "/", S3Settings.fromEnvironment()));
        ObjectInputFile input = new ObjectInputFile(store, file.key(), shard.file(), shard.fileSize(), shard.etag(),
                ObjectInputFile.DEFAULT_READ_AHEAD);
        return ShardReader.open(shard, input, idColumn, textColumn, idType, 0);
    }

    @Teardown
    public void teardown() {
        if (stores != null) {
            stores.values().forEach(ObjectStore::close);
            stores.clear();
        }
    }
}
