package io.embedflow.bench;

import io.embedflow.bench.S3ObjectSet.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The reads {@code bench s3} compares the prefetcher with: a naive loop, the raw ceilings (parallel
 * whole-object GETs that do nothing with the bytes) and the same bytes read from local files. Each
 * returns what it read and how long it took; none checks the content.
 */
final class S3Reads {
    /** The buffer each reading thread drains into. */
    private static final int DRAIN_BUFFER = 1 << 20;

    private S3Reads() {}

    /**
     * Bytes read by one method over one set, the wall-clock time it took, and the CPU time used meanwhile
     * (zero until {@link #withCpu} adds it).
     */
    record Measured(long bytes, int objects, long nanos, CpuTimes.Used cpu) {
        Measured(long bytes, int objects, long nanos) {
            this(bytes, objects, nanos, new CpuTimes.Used(0, 0, 0));
        }

        Measured withCpu(CpuTimes.Used used) {
            return new Measured(bytes, objects, nanos, used);
        }

        double seconds() {
            return nanos / 1e9;
        }

        /** Decimal gigabytes (10^9 bytes) per second. */
        double gbps() {
            return bytes / (double) nanos;
        }
    }

    /** (a) One {@code GetObject} after another on the sync client, each drained into one reused buffer. */
    static Measured naive(S3Client client, S3ObjectSet set) throws IOException {
        byte[] buffer = new byte[DRAIN_BUFFER];
        long start = System.nanoTime();
        long bytes = 0;
        for (StoredObject object : set.objects()) {
            bytes += drain(client, set.bucket(), object.key(), buffer);
        }
        return new Measured(bytes, set.objects().size(), System.nanoTime() - start);
    }

    /** (d) {@code threads} threads, each taking the next object and draining it on the shared sync client. */
    static Measured syncPool(S3Client client, S3ObjectSet set, int threads) {
        return inParallel(set.objects(), threads, () -> {
            byte[] buffer = new byte[DRAIN_BUFFER];
            return object -> drain(client, set.bucket(), object.key(), buffer);
        });
    }

    /**
     * (d) Up to {@code concurrency} {@code GetObject}s in flight on the async client, each response
     * streamed and counted chunk by chunk, never copied.
     */
    static Measured asyncWindow(S3AsyncClient client, S3ObjectSet set, int concurrency) throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        LongAdder bytes = new LongAdder();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<CompletableFuture<Void>> gets = new ArrayList<>();
        long start = System.nanoTime();
        for (StoredObject object : set.objects()) {
            slots.acquire();
            if (failure.get() != null) {
                slots.release();
                break;
            }
            CompletableFuture<Void> get = client.getObject(b -> b.bucket(set.bucket()).key(object.key()),
                            AsyncResponseTransformer.toPublisher())
                    .thenCompose(body -> body.subscribe(chunk -> bytes.add(chunk.remaining())));
            get.whenComplete((done, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                }
                slots.release();
            });
            gets.add(get);
        }
        CompletableFuture.allOf(gets.toArray(CompletableFuture[]::new)).join();
        return new Measured(bytes.sum(), gets.size(), System.nanoTime() - start);
    }

    /** The same objects as files under S3Proxy's base directory, read by {@code threads} threads. */
    static Measured localFiles(Path bucketDir, S3ObjectSet set, int threads) {
        return inParallel(set.objects(), threads, () -> {
            ByteBuffer chunk = ByteBuffer.allocateDirect(DRAIN_BUFFER);
            return object -> {
                long n = 0;
                try (FileChannel file = FileChannel.open(bucketDir.resolve(object.key()), StandardOpenOption.READ)) {
                    for (int r; (r = file.read(chunk.clear())) >= 0; ) {
                        n += r;
                    }
                }
                return n;
            };
        });
    }

    private static long drain(S3Client client, String bucket, String key, byte[] buffer) throws IOException {
        long n = 0;
        try (InputStream in = client.getObject(b -> b.bucket(bucket).key(key))) {
            for (int r; (r = in.read(buffer)) >= 0; ) {
                n += r;
            }
        }
        return n;
    }

    /** Reads one object with a thread's own buffer; returns its byte count. */
    private interface ObjectReader {
        long read(StoredObject object) throws IOException;
    }

    /** Gives each thread a reader of its own, with its own buffer. */
    private interface ReaderFactory {
        ObjectReader create();
    }

    private static Measured inParallel(List<StoredObject> objects, int threads, ReaderFactory readers) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            AtomicInteger next = new AtomicInteger();
            List<Future<Long>> workers = new ArrayList<>();
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    ObjectReader reader = readers.create();
                    long n = 0;
                    for (int i; (i = next.getAndIncrement()) < objects.size(); ) {
                        n += reader.read(objects.get(i));
                    }
                    return n;
                }));
            }
            long bytes = 0;
            for (Future<Long> worker : workers) {
                bytes += worker.get();
            }
            return new Measured(bytes, objects.size(), System.nanoTime() - start);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? new UncheckedIOException(io)
                    : cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
