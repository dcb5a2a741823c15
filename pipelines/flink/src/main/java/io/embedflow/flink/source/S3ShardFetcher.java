package io.embedflow.flink.source;

import io.embedflow.connectors.io.ObjectInputFile;
import io.embedflow.connectors.io.PrefetchedInputFile;
import io.embedflow.connectors.prefetch.ByteRange;
import io.embedflow.connectors.prefetch.FetchedRange;
import io.embedflow.connectors.prefetch.PrefetchOptions;
import io.embedflow.connectors.prefetch.PrefetchStats;
import io.embedflow.connectors.prefetch.S3Prefetcher;
import io.embedflow.connectors.s3.S3Clients;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.s3.S3Uri;
import io.embedflow.connectors.shard.ByteSpan;
import io.embedflow.connectors.shard.Shard;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.ObjectStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Shards on S3, fetched ahead by an {@link S3Prefetcher} on the blocking client (the cheapest in
 * CPU per byte; see {@code embedflow bench s3}): each shard's file tail (the footer) and its id and
 * text column chunks, in the reader's order, as parallel ranged GETs within a byte budget. A shard's reader then finds every byte it reads in memory; a range too large for the
 * budget is left out of the prefetch and read on demand by ranged GETs.
 */
final class S3ShardFetcher implements ShardFetcher {
    private final S3Settings settings;
    private final PrefetchOptions options;
    private final S3Client client;
    private final Map<String, ObjectStore> stores = new HashMap<>();
    private final Deque<Batch> batches = new ArrayDeque<>();
    /** Counters of the prefetchers already closed. */
    private long closedRequests;
    private long closedRetries;

    S3ShardFetcher(S3Settings settings, PrefetchOptions options) {
        this.settings = settings;
        this.options = options;
        this.client = S3Clients.createUnretried(settings);
    }

    @Override
    public void plan(List<Shard> shards) {
        if (shards.isEmpty()) {
            return;
        }
        List<ByteRange> ranges = new ArrayList<>();
        for (Shard shard : shards) {
            S3Uri file = S3Uri.parseObject(shard.file());
            for (ByteSpan span : prefetched(shard)) {
                ranges.add(new ByteRange(file.bucket(), file.key(), span.offset(), span.length(),
                        Optional.ofNullable(shard.etag())));
            }
        }
        batches.add(new Batch(shards, ranges.isEmpty() ? null : new S3Prefetcher(client, ranges, options)));
    }

    /** The shard's ranges that fit the budget with room for the next ones; the rest are read on demand. */
    private List<ByteSpan> prefetched(Shard shard) {
        return shard.ranges().stream().filter(span -> span.length() <= options.byteBudget() / 2).toList();
    }

    @Override
    public Fetched take(Shard shard) {
        Batch batch = batches.peek();
        if (batch == null || !batch.shards.get(batch.next).equals(shard)) {
            throw new IllegalStateException("shard " + shard.file() + " group " + shard.rowGroup()
                    + " was not announced next");
        }
        batch.next++;
        S3Uri file = S3Uri.parseObject(shard.file());
        ObjectInputFile direct = new ObjectInputFile(store(file.bucket()), file.key(), shard.file(), shard.fileSize(),
                shard.etag(), ObjectInputFile.DEFAULT_READ_AHEAD);
        PrefetchedInputFile input;
        try {
            input = new PrefetchedInputFile(shard.file(), direct);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<FetchedRange> held = new ArrayList<>();
        long bytes = 0;
        long start = System.nanoTime();
        for (ByteSpan span : prefetched(shard)) {
            FetchedRange range = batch.prefetcher.next();
            held.add(range);
            input.with(span.offset(), range.data());
            bytes += span.length();
        }
        long waited = System.nanoTime() - start;
        if (batch.next == batch.shards.size()) {
            batches.poll();
            if (batch.prefetcher != null) {
                batch.prefetcher.close();
                PrefetchStats stats = batch.prefetcher.stats();
                closedRequests += stats.requests();
                closedRetries += stats.retries();
            }
        }
        return new Fetched(input, bytes, waited, () -> held.forEach(FetchedRange::close));
    }

    @Override
    public long requests() {
        return closedRequests + open().mapToLong(PrefetchStats::requests).sum();
    }

    @Override
    public long retries() {
        return closedRetries + open().mapToLong(PrefetchStats::retries).sum();
    }

    @Override
    public int requestsInFlight() {
        return open().mapToInt(PrefetchStats::requestsInFlight).sum();
    }

    private java.util.stream.Stream<PrefetchStats> open() {
        return batches.stream().filter(b -> b.prefetcher != null).map(b -> b.prefetcher.stats());
    }

    private ObjectStore store(String bucket) {
        return stores.computeIfAbsent(bucket, b -> ObjectStores.open("s3://" + b + "/", settings));
    }

    @Override
    public void close() {
        for (Batch batch : batches) {
            if (batch.prefetcher != null) {
                batch.prefetcher.close();
            }
        }
        batches.clear();
        stores.values().forEach(ObjectStore::close);
        client.close();
    }

    private static final class Batch {
        final List<Shard> shards;
        final S3Prefetcher prefetcher;
        int next;

        Batch(List<Shard> shards, S3Prefetcher prefetcher) {
            this.shards = shards;
            this.prefetcher = prefetcher;
        }
    }
}
