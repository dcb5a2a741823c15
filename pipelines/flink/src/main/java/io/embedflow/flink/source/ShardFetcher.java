package io.embedflow.flink.source;

import io.embedflow.connectors.shard.Shard;
import java.util.List;
import org.apache.parquet.io.InputFile;

/**
 * Gets the bytes of a source reader's shards, ideally before the reader needs them. The reader
 * announces its shards in the order it will read them ({@link #plan}) and then takes them one by
 * one in that order ({@link #take}).
 */
interface ShardFetcher extends AutoCloseable {
    /** Shards the reader will read after those already announced, in order. */
    void plan(List<Shard> shards);

    /** The next announced shard's file, with its bytes at hand; blocks until they are. */
    Fetched take(Shard shard);

    /** Requests sent to the store so far, retries included (0 for local files). */
    default long requests() {
        return 0;
    }

    /** Failed requests that were retried so far. */
    default long retries() {
        return 0;
    }

    /** Requests in flight now. */
    default int requestsInFlight() {
        return 0;
    }

    @Override
    void close();

    /**
     * A shard's file as the reader opens it.
     *
     * @param bytes bytes fetched for it (0 for local files, which the OS reads)
     * @param waitNanos how long {@link #take} blocked
     * @param release gives the shard's buffers back once its rows are read
     */
    record Fetched(InputFile input, long bytes, long waitNanos, Runnable release) {}
}
