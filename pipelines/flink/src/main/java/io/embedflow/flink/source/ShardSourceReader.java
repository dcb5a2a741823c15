package io.embedflow.flink.source;

import io.embedflow.connectors.parquet.ShardReader;
import io.embedflow.connectors.parquet.TextRow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;

/**
 * Reads its shards in the order they were assigned, each through a {@link ShardFetcher} that was
 * told the whole order up front, so the bytes of the next shards are fetched while this one is
 * read. A split's progress (rows emitted) is its checkpoint state, so a restored split resumes
 * after its last emitted row.
 *
 * <p>Metrics (on the source's metric group): {@code bytesRead} (the shards' footers and id and
 * text column chunks), {@code bytesReadPerSecond}, {@code readRequests}, {@code readRetries} and
 * {@code readRequestsInFlight} (S3 ranged GETs of the prefetcher), {@code readWaitMillis} (time from asking for a shard's bytes to its reader
 * being open: waiting for the prefetch, or reading the row group from local disk). The same figures ride on each shard's first row
 * ({@link TextRow#readBytes}, {@link TextRow#readWaitNanos}) for the run record.
 */
final class ShardSourceReader implements SourceReader<TextRow, ShardSplit> {
    private final SourceReaderContext context;
    private final Supplier<ShardFetcher> fetcherFactory;
    private final Deque<ShardSplit> pending = new ArrayDeque<>();
    private final Counter bytesRead;
    private final Counter readWaitMillis;
    private ShardFetcher fetcher;
    private ShardSplit current;
    private ShardReader reader;
    private ShardFetcher.Fetched fetched;
    private long emitted;
    private long waitNanos;
    private boolean firstRowOfShard;
    private boolean noMoreSplits;
    private CompletableFuture<Void> available = new CompletableFuture<>();

    ShardSourceReader(SourceReaderContext context, Supplier<ShardFetcher> fetcherFactory) {
        this.context = context;
        this.fetcherFactory = fetcherFactory;
        this.bytesRead = context.metricGroup().counter("bytesRead");
        this.readWaitMillis = context.metricGroup().counter("readWaitMillis");
    }

    @Override
    public void start() {
        fetcher = fetcherFactory.get();
        var metrics = context.metricGroup();
        metrics.meter("bytesReadPerSecond", new MeterView(bytesRead));
        metrics.gauge("readRequests", fetcher::requests);
        metrics.gauge("readRetries", fetcher::retries);
        metrics.gauge("readRequestsInFlight", fetcher::requestsInFlight);
        context.sendSplitRequest();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<TextRow> output) {
        while (reader == null) {
            ShardSplit next = pending.poll();
            if (next == null) {
                if (noMoreSplits) {
                    return InputStatus.END_OF_INPUT;
                }
                if (available.isDone()) {
                    available = new CompletableFuture<>();
                }
                return InputStatus.NOTHING_AVAILABLE;
            }
            open(next);
        }
        if (!reader.hasNext()) {
            finishShard();
            return pending.isEmpty() && noMoreSplits ? InputStatus.END_OF_INPUT : InputStatus.MORE_AVAILABLE;
        }
        TextRow row = reader.next();
        emitted++;
        if (firstRowOfShard) {
            row.readBytes = fetched.bytes();
            row.readWaitNanos = waitNanos;
            firstRowOfShard = false;
        }
        output.collect(row);
        return InputStatus.MORE_AVAILABLE;
    }

    /** Fetches (or waits for) the shard's bytes and opens it; both count as waiting for input. */
    private void open(ShardSplit split) {
        long start = System.nanoTime();
        fetched = fetcher.take(split.shard());
        current = split;
        emitted = 0;
        firstRowOfShard = true;
        reader = ShardReader.open(split.shard(), fetched.input(), split.idColumn(), split.textColumn(), split.idType(),
                split.rowsDone());
        waitNanos = System.nanoTime() - start;
        bytesRead.inc(fetched.bytes());
        readWaitMillis.inc(waitNanos / 1_000_000);
    }

    private void finishShard() {
        reader.close();
        fetched.release().run();
        reader = null;
        fetched = null;
        current = null;
    }

    @Override
    public List<ShardSplit> snapshotState(long checkpointId) {
        List<ShardSplit> state = new ArrayList<>(pending.size() + 1);
        if (current != null) {
            state.add(current.withRowsDone(current.rowsDone() + emitted));
        }
        state.addAll(pending);
        return state;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return available;
    }

    @Override
    public void addSplits(List<ShardSplit> splits) {
        pending.addAll(splits);
        fetcher.plan(splits.stream().map(ShardSplit::shard).toList());
        available.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        available.complete(null);
    }

    @Override
    public void close() {
        try {
            if (reader != null) {
                reader.close();
            }
        } finally {
            if (fetcher != null) {
                fetcher.close();
            }
        }
    }
}
