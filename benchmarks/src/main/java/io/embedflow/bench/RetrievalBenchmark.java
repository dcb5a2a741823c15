package io.embedflow.bench;

import io.embedflow.connectors.parquet.ContentHash;
import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.parquet.EmbeddingTableWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.retrieval.BlockFeeder;
import io.embedflow.djl.retrieval.Hit;
import io.embedflow.djl.retrieval.SearchStats;
import io.embedflow.djl.retrieval.TopKSearcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bench retrieval}: exact top-k retrieval by cosine for a batch of queries against
 * an embedding table, as {@link TopKSearcher} does it (blocked matrix products, the table streamed
 * from its Parquet part files) against a per-query loop in plain Java over the table in memory,
 * in one run on the same seeded random vectors. The blocked path must return the loop's rows.
 */
@Command(name = "retrieval", mixinStandardHelpOptions = true,
        description = "Exact top-k by cosine: blocked matrix products over the table's Parquet files vs a per-query Java loop.")
public final class RetrievalBenchmark implements Callable<Integer> {
    /** Scores of the two paths agree to this; rows that differ must be this close (a float near-tie). */
    private static final double TIE_TOLERANCE = 1e-5;

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "100000", description = "Rows of the table (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--dimension", defaultValue = "384", description = "Vector dimension (default: ${DEFAULT-VALUE}).")
    int dimension;

    @Option(names = "--queries", defaultValue = "1000", description = "Queries in the batch (default: ${DEFAULT-VALUE}).")
    int queries;

    @Option(names = "--k", defaultValue = "10", description = "Rows kept per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--block-rows", defaultValue = "4096",
            description = "Table rows per matrix product (default: ${DEFAULT-VALUE}).")
    int blockRows;

    @Option(names = "--files", defaultValue = "4", description = "Parquet part files of the table (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--naive-queries", defaultValue = "100",
            description = "Queries the naive loop runs, the first of the batch; its rate is per query (default: ${DEFAULT-VALUE}).")
    int naiveQueries;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random vectors (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the table's Parquet files go, deleted at the end (default: the system temp dir).")
    Path dir;

    /** A blocked search's top k and its searcher's account of the time. */
    private record Searched(List<List<Hit>> results, SearchStats stats) {}

    /** One timed path. */
    private record Timing(String name, int queries, double seconds) {
        double queriesPerSecond() {
            return queries / seconds;
        }
    }

    @Override
    public Integer call() throws IOException {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        DeviceRequest request = DeviceRequest.parse(device);
        Path scratch = ScratchDirs.create(dir, "embedflow-bench-retrieval-");
        try {
            SplittableRandom random = new SplittableRandom(seed);
            float[] table = uniform(random, rows * dimension);
            float[] batch = uniform(random, queries * dimension);
            List<Path> parts = writeParts(scratch, table);
            long parquetBytes = 0;
            for (Path p : parts) {
                parquetBytes += Files.size(p);
            }

            // the Parquet decode alone (and its JIT warm-up): what (b) pays on top of (c)
            long start = System.nanoTime();
            long scanned = scanOnly(parts);
            double scanSeconds = seconds(start);

            // (c) the compute ceiling: the same searcher over the table in memory, blocks cut before the clock
            List<Object[]> blockIds = new ArrayList<>();
            List<float[]> blockVectors = new ArrayList<>();
            cutBlocks(table, blockIds, blockVectors);
            search(batch, request, List.<Object[]>of(blockIds.get(0)), List.of(blockVectors.get(0)));   // libtorch warm-up
            start = System.nanoTime();
            Searched inMemory = search(batch, request, blockIds, blockVectors);
            Timing memory = new Timing("(c) blocked top-k, table in memory", queries, seconds(start));
            blockIds = null;
            blockVectors = null;

            // (b) the job's path: the table streamed from its part files
            start = System.nanoTime();
            Searched blocked;
            try (TopKSearcher searcher = TopKSearcher.create(batch, dimension, k, request)) {
                BlockFeeder feeder = new BlockFeeder(searcher, blockRows);
                PartFileFeed.feed(parts, feeder);
                feeder.flush();
                blocked = new Searched(searcher.results(), searcher.stats());
            }
            Timing parquet = new Timing("(b) blocked top-k, from Parquet", queries, seconds(start));

            // (a) the baseline over unit vectors (normalised before the clock), on the first queries
            float[] unitTable = NaiveTopK.normalised(table, dimension);
            float[] unitQueries = NaiveTopK.normalised(batch, dimension);
            NaiveTopK.search(unitTable, Math.min(rows, 2000), dimension, unitQueries, 1, k);   // JIT warm-up
            start = System.nanoTime();
            NaiveTopK.Result naive = NaiveTopK.search(unitTable, rows, dimension, unitQueries, naiveQueries, k);
            Timing loop = new Timing("(a) naive per-query Java loop", naiveQueries, seconds(start));

            if (!inMemory.results().equals(blocked.results())) {
                throw new IllegalStateException("the blocked search over the table in memory and over its Parquet files "
                        + "disagree: the table was not read back as written");
            }
            int nearTies = compare(naive, blocked.results(), unitTable, unitQueries);

            double flopsPerQuery = 2.0 * rows * dimension;
            out.printf("table: %,d rows x %d floats in %d Parquet files (%.1f MiB), %,d queries, k=%d, %d rows per block, "
                            + "device %s, %d cores%n", rows, dimension, parts.size(), parquetBytes / 1048576.0, queries, k,
                    blockRows, request, Runtime.getRuntime().availableProcessors());
            out.printf("%-38s %9s %9s %12s %14s %9s%n", "path", "queries", "seconds", "queries/s", "scores/s", "GFLOP/s");
            for (Timing t : List.of(loop, parquet, memory)) {
                out.printf("%-38s %9d %9.2f %12.1f %14.3e %9.2f%n", t.name(), t.queries(), t.seconds(),
                        t.queriesPerSecond(), t.queriesPerSecond() * rows, t.queriesPerSecond() * flopsPerQuery / 1e9);
            }
            out.printf("%-38s %9s %9.2f %12s %14s %9s   %.0f rows/s, %.0f MiB/s%n", "Parquet scan alone (decode)", "-",
                    scanSeconds, "-", "-", "-", scanned / scanSeconds, parquetBytes / 1048576.0 / scanSeconds);
            if (naiveQueries < queries) {
                out.printf("(a) ran the first %d of the %d queries; its queries/s is per query, like the others'%n",
                        naiveQueries, queries);
            }
            out.println(profile("(b)", parquet, blocked.stats()));
            out.println(profile("(c)", memory, inMemory.stats()));
            out.printf("agreement: (b) returned (a)'s rows for all %d queries (a) ran%s; (b) and (c) are identical%n",
                    naiveQueries, nearTies == 0 ? "" : ", " + nearTies + " rank(s) swapped between rows within "
                            + TIE_TOLERANCE + " of each other");
            out.printf("retrieval_vs_naive=%.1f retrieval_qps=%.1f naive_qps=%.2f memory_qps=%.1f memory_vs_naive=%.1f "
                            + "parquet_scan_s=%.2f retrieval_gflops=%.2f rows=%d queries=%d naive_queries=%d k=%d dimension=%d "
                            + "block_rows=%d device=%s near_ties=%d%n",
                    parquet.queriesPerSecond() / loop.queriesPerSecond(), parquet.queriesPerSecond(),
                    loop.queriesPerSecond(), memory.queriesPerSecond(), memory.queriesPerSecond() / loop.queriesPerSecond(),
                    scanSeconds, parquet.queriesPerSecond() * flopsPerQuery / 1e9, rows, queries, naiveQueries, k,
                    dimension, blockRows, request, nearTies);
            return 0;
        } finally {
            ScratchDirs.delete(scratch);
        }
    }

    private void validate() {
        if (rows < 1 || dimension < 1 || queries < 1 || k < 1 || blockRows < 1 || files < 1) {
            throw new ParameterException(spec.commandLine(), "--rows, --dimension, --queries, --k, --block-rows and "
                    + "--files must be >= 1");
        }
        if ((long) rows * dimension > Integer.MAX_VALUE - 8 || (long) queries * dimension > Integer.MAX_VALUE - 8) {
            throw new ParameterException(spec.commandLine(), "--rows x --dimension and --queries x --dimension must "
                    + "fit one Java array");
        }
        if (naiveQueries < 1 || naiveQueries > queries) {
            throw new ParameterException(spec.commandLine(), "--naive-queries must be between 1 and --queries ("
                    + queries + "), was " + naiveQueries);
        }
    }

    /** Uniform in [-1, 1): deterministic for a seed, and fast enough for millions of floats. */
    private static float[] uniform(SplittableRandom random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return out;
    }

    /** The table as {@code files} part files of consecutive rows, ids {@code 0..rows-1} as INT64. */
    private List<Path> writeParts(Path scratch, float[] table) {
        List<Path> parts = new ArrayList<>();
        int perFile = (rows + files - 1) / files;
        for (int f = 0, from = 0; from < rows; f++, from += perFile) {
            Path part = scratch.resolve(String.format("part-%05d.parquet", f));
            try (EmbeddingTableWriter writer = new EmbeddingTableWriter(part, IdType.INT64, dimension)) {
                for (int r = from; r < Math.min(rows, from + perFile); r++) {
                    writer.write(r, null, Arrays.copyOfRange(table, r * dimension, (r + 1) * dimension),
                            ContentHash.of(Integer.toString(r)));
                }
            }
            parts.add(part);
        }
        return parts;
    }

    private static long scanOnly(List<Path> parts) {
        long[] rowsSeen = {0};
        float[] sink = {0};
        for (Path part : parts) {
            EmbeddingTableReader.scan(part, true, row -> {
                sink[0] += row.embedding()[0];
                rowsSeen[0]++;
            });
        }
        return rowsSeen[0] + (sink[0] == Float.MAX_VALUE ? 1 : 0);
    }

    /** The in-memory table as blocks of {@code --block-rows} rows, the last one partial, with Long ids. */
    private void cutBlocks(float[] table, List<Object[]> ids, List<float[]> vectors) {
        for (int from = 0; from < rows; from += blockRows) {
            int n = Math.min(blockRows, rows - from);
            Object[] blockIds = new Object[n];
            for (int r = 0; r < n; r++) {
                blockIds[r] = (long) (from + r);
            }
            ids.add(blockIds);
            vectors.add(Arrays.copyOfRange(table, from * dimension, (from + n) * dimension));
        }
    }

    private Searched search(float[] batch, DeviceRequest request, List<Object[]> ids, List<float[]> vectors) {
        try (TopKSearcher searcher = TopKSearcher.create(batch, dimension, k, request)) {
            for (int b = 0; b < ids.size(); b++) {
                searcher.addBlock(ids.get(b), vectors.get(b), ids.get(b).length);
            }
            return new Searched(searcher.results(), searcher.stats());
        }
    }

    /** A path's seconds split by the searcher's own account; the rest is reading and feeding the rows. */
    private static String profile(String path, Timing timing, SearchStats stats) {
        double total = timing.seconds();
        double outside = Math.max(0, total - stats.totalNanos() / 1e9);
        return String.format("%s %.2f s: outside the searcher (reading, feeding) %.2f s (%.0f%%), normalise %.2f s, "
                        + "product %.2f s, select %.2f s, merge %.2f s; %d blocks, %d query-blocks read in full", path, total,
                outside, 100 * outside / total, stats.normaliseNanos() / 1e9, stats.productNanos() / 1e9,
                stats.selectNanos() / 1e9, stats.mergeNanos() / 1e9, stats.blocks(), stats.fullReads());
    }

    /**
     * Checks that (b) returned (a)'s rows, rank by rank, for the queries (a) ran. Float sums in another
     * order may swap rows whose cosines differ by a few ulps; a rank where the two differ is accepted
     * only when both rows' cosines (in double) are within the tolerance of each other and of the
     * rank's score. Returns how many ranks were so accepted.
     */
    private int compare(NaiveTopK.Result naive, List<List<Hit>> blocked, float[] unitTable, float[] unitQueries) {
        int nearTies = 0;
        for (int q = 0; q < naiveQueries; q++) {
            long[] expected = naive.rows()[q];
            List<Hit> got = blocked.get(q);
            if (got.size() != expected.length) {
                throw new IllegalStateException("query " + q + ": the naive loop kept " + expected.length
                        + " rows, the blocked search " + got.size());
            }
            for (int j = 0; j < expected.length; j++) {
                long row = (Long) got.get(j).id();
                float score = got.get(j).score();
                if (Math.abs(score - naive.scores()[q][j]) > TIE_TOLERANCE
                        || (row != expected[j] && !nearTie(unitTable, unitQueries, q, expected[j], row))) {
                    throw new IllegalStateException("query " + q + ", rank " + j + ": the naive loop found row "
                            + expected[j] + " (score " + naive.scores()[q][j] + "), the blocked search row " + row
                            + " (score " + score + ")");
                }
                if (row != expected[j]) {
                    nearTies++;
                }
            }
        }
        return nearTies;
    }

    private boolean nearTie(float[] unitTable, float[] unitQueries, int q, long a, long b) {
        return Math.abs(dot(unitTable, unitQueries, q, a) - dot(unitTable, unitQueries, q, b)) <= TIE_TOLERANCE;
    }

    private double dot(float[] unitTable, float[] unitQueries, int q, long row) {
        double sum = 0;
        for (int i = 0; i < dimension; i++) {
            sum += (double) unitQueries[q * dimension + i] * unitTable[(int) row * dimension + i];
        }
        return sum;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
