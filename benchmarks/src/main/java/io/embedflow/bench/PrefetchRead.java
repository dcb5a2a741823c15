package io.embedflow.bench;

import io.embedflow.bench.S3ObjectSet.StoredObject;
import io.embedflow.bench.S3Reads.Measured;
import io.embedflow.connectors.prefetch.ByteRange;
import io.embedflow.connectors.prefetch.FetchedRange;
import io.embedflow.connectors.prefetch.PrefetchOptions;
import io.embedflow.connectors.prefetch.PrefetchStats;
import io.embedflow.connectors.prefetch.S3Prefetcher;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * (c) One set through {@link S3Prefetcher}, as a consumer would use it: every object asked for as a
 * whole, each delivered range's bytes all read (a CRC32C over the buffer, checked against the
 * generated object's) and the range closed, which hands its bytes back to the budget.
 */
final class PrefetchRead {
    private PrefetchRead() {}

    /** What the consumer saw, and the prefetcher's own account of the run. */
    record Result(Measured measured, PrefetchStats stats) {}

    /**
     * @throws IllegalStateException if a range arrives twice, with other bytes than were uploaded, or
     *     not at all
     */
    static Result run(S3AsyncClient client, S3ObjectSet set, PrefetchOptions options) {
        return run(ranges -> new S3Prefetcher(client, ranges, options), set);
    }

    /** As above, on the blocking client (one pool thread per request in flight). */
    static Result run(software.amazon.awssdk.services.s3.S3Client client, S3ObjectSet set, PrefetchOptions options) {
        return run(ranges -> new S3Prefetcher(client, ranges, options), set);
    }

    private static Result run(java.util.function.Function<List<ByteRange>, S3Prefetcher> open, S3ObjectSet set) {
        List<StoredObject> objects = set.objects();
        List<ByteRange> ranges = objects.stream()
                .map(o -> ByteRange.wholeObject(set.bucket(), o.key(), o.size(), o.etag()))
                .toList();
        boolean[] seen = new boolean[objects.size()];
        CRC32C crc = new CRC32C();
        long bytes = 0;
        int delivered = 0;
        long start = System.nanoTime();
        try (S3Prefetcher prefetcher = open.apply(ranges)) {
            while (prefetcher.hasNext()) {
                try (FetchedRange fetched = prefetcher.next()) {
                    ByteBuffer data = fetched.data();
                    int index = fetched.index();
                    int length = data.remaining();
                    bytes += length;
                    crc.reset();
                    crc.update(data);
                    check(set, objects.get(index), fetched, length, seen, (int) crc.getValue());
                    seen[index] = true;
                    delivered++;
                }
            }
            long nanos = System.nanoTime() - start;
            if (delivered != objects.size()) {
                throw new IllegalStateException("the prefetcher delivered " + delivered + " of " + objects.size()
                        + " objects of set " + set.name());
            }
            return new Result(new Measured(bytes, delivered, nanos), prefetcher.stats());
        }
    }

    private static void check(S3ObjectSet set, StoredObject expected, FetchedRange fetched, int length, boolean[] seen,
            int crc) {
        ByteRange range = fetched.range();
        String where = "range " + fetched.index() + " (" + set.bucket() + "/" + expected.key() + ")";
        if (seen[fetched.index()]) {
            throw new IllegalStateException(where + " was delivered twice");
        }
        if (!range.key().equals(expected.key()) || range.offset() != 0 || range.length() != expected.size()) {
            throw new IllegalStateException(where + " arrived as " + range + ", not as the whole object");
        }
        if (length != expected.size()) {
            throw new IllegalStateException(where + " arrived with " + length + " bytes, not "
                    + expected.size());
        }
        if (crc != expected.crc32c()) {
            throw new IllegalStateException(String.format("%s arrived with CRC32C %08x, but %08x was uploaded", where,
                    crc, expected.crc32c()));
        }
    }
}
