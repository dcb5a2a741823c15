package io.embedflow.flink.source;

import io.embedflow.connectors.shard.Shard;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.io.LocalInputFile;

/** Local files: the operating system's page cache and read-ahead do the prefetching. */
final class LocalShardFetcher implements ShardFetcher {
    @Override
    public void plan(List<Shard> shards) {}

    @Override
    public Fetched take(Shard shard) {
        Path file = Path.of(shard.file());
        LocalInputFile input = new LocalInputFile(file) {
            @Override
            public String toString() {
                return file.toString();
            }
        };
        return new Fetched(input, shard.bytesToRead(), 0, () -> {});
    }

    @Override
    public void close() {}
}
