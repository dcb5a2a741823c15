package io.embedflow.djl.retrieval;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.device.DeviceRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Exact top-k retrieval by cosine similarity: a fixed set of query vectors is scored against a
 * table that arrives in blocks, each block with one matrix product on the device, so the table
 * may be larger than memory. Queries and rows are L2-normalised (a zero vector scores 0 against
 * everything), so a dot product is the cosine.
 *
 * <p>Per block, the device picks each query's k + 1 best rows ({@code topK}) and only those reach
 * the host, where they are merged into a bounded heap per query. Rows rank by score, and at equal
 * scores by the order they were added (earlier first), whatever the block size: when the values
 * show that rows tied for a place in the block's top k may have been left out (the lowest of the
 * k + 1 occurs twice), that query's scores for the block are read in full instead.
 *
 * <p>Memory: the normalised queries live on the device for the searcher's life
 * ({@code queries x dimension} floats); a block's native memory ({@code rows x dimension} floats
 * on the host, as many again on a GPU, and a {@code queries x rows} score matrix) lives in its own
 * {@link NDManager} scope, closed before {@link #addBlock} returns; the host block buffer is
 * reused. Size blocks so that {@code queries x rows} floats fit the device.
 *
 * <p>Not thread-safe. Only the searcher's own copies are normalised; callers' arrays are never modified.
 *
 * <pre>{@code
 * try (TopKSearcher searcher = TopKSearcher.create(queries, 10, DeviceRequest.CPU)) {
 *     BlockFeeder feeder = new BlockFeeder(searcher, 4096);
 *     for (Row row : table) {
 *         feeder.add(row.id(), row.vector());
 *     }
 *     feeder.flush();
 *     List<List<Hit>> top = searcher.results(); // one list per query, best first
 * }
 * }</pre>
 */
public final class TopKSearcher implements AutoCloseable {
    private static final int FLOAT_BYTES = Float.BYTES;

    private final int dimension;
    private final int queryCount;
    private final int k;
    private final NDManager manager;
    private final NDArray queryMatrix;
    private final TopKHeaps heaps;
    private ByteBuffer blockBuffer = ByteBuffer.allocateDirect(0);
    private long rowsAdded;
    private long blocks;
    private long normaliseNanos;
    private long productNanos;
    private long selectNanos;
    private long mergeNanos;
    private long fullReads;
    private boolean closed;

    private TopKSearcher(float[] queries, int dimension, int k, Device device) {
        this.dimension = dimension;
        this.queryCount = queries.length / dimension;
        this.k = k;
        this.heaps = new TopKHeaps(queryCount, k);
        ByteBuffer normalised = ByteBuffer.allocateDirect(queries.length * FLOAT_BYTES).order(ByteOrder.nativeOrder());
        FloatBuffer out = normalised.asFloatBuffer();
        for (int q = 0; q < queryCount; q++) {
            if (!normaliseRow(queries, q * dimension, out, q * dimension)) {
                throw new DjlOpsException("query " + q + " has a non-finite element (NaN or infinity)");
            }
        }
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            this.queryMatrix = manager.create(normalised, new Shape(queryCount, dimension), DataType.FLOAT32);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A searcher for {@code queries} (at least one, all of one dimension, which the table's rows
     * must have too) keeping the {@code k} best rows of each.
     *
     * @throws DjlOpsException when there are no queries, their lengths differ, one holds NaN or an
     *     infinity, {@code k < 1}, or the device cannot be had
     */
    public static TopKSearcher create(float[][] queries, int k, DeviceRequest device) {
        Objects.requireNonNull(queries, "queries");
        if (queries.length == 0) {
            throw new DjlOpsException("no queries: the dimension comes from the first query; use "
                    + "create(float[], dimension, k, device) for an empty set");
        }
        int dimension = queries[0].length;
        float[] flat = new float[Math.multiplyExact(queries.length, dimension)];
        for (int q = 0; q < queries.length; q++) {
            if (queries[q].length != dimension) {
                throw new DjlOpsException("query " + q + " has " + queries[q].length + " elements, expected "
                        + dimension + " (the dimension of query 0)");
            }
            System.arraycopy(queries[q], 0, flat, q * dimension, dimension);
        }
        return create(flat, dimension, k, device);
    }

    /**
     * A searcher for the queries in {@code queries}, row-major, {@code dimension} floats each
     * (none at all is allowed: every result is then empty).
     *
     * @throws DjlOpsException when {@code dimension < 1}, {@code queries.length} is not a multiple
     *     of it, a query holds NaN or an infinity, {@code k < 1}, or the device cannot be had
     */
    public static TopKSearcher create(float[] queries, int dimension, int k, DeviceRequest device) {
        Objects.requireNonNull(queries, "queries");
        Objects.requireNonNull(device, "device");
        if (dimension < 1) {
            throw new DjlOpsException("dimension must be >= 1, was " + dimension);
        }
        if (queries.length % dimension != 0) {
            throw new DjlOpsException("queries hold " + queries.length + " floats, not a multiple of the dimension "
                    + dimension);
        }
        if (k < 1) {
            throw new DjlOpsException("k must be >= 1, was " + k);
        }
        return new TopKSearcher(queries, dimension, k, device.resolve(Engine.getEngine("PyTorch")));
    }

    public int dimension() {
        return dimension;
    }

    public int queryCount() {
        return queryCount;
    }

    public int k() {
        return k;
    }

    /** Rows added so far, over all blocks. */
    public long rowsAdded() {
        return rowsAdded;
    }

    /** Where the time went so far. */
    public SearchStats stats() {
        return new SearchStats(rowsAdded, blocks, normaliseNanos, productNanos, selectNanos, mergeNanos, fullReads);
    }

    /**
     * Scores the first {@code rows} rows of a block against every query and keeps each query's
     * best. {@code vectors} is row-major with room for {@code ids.length} rows of
     * {@code dimension} floats, so that callers may reuse a block buffer and fill it partly.
     *
     * @param ids the rows' ids, any non-null objects (a table's {@link Long}, {@link Integer} or
     *     {@link String} ids); the results hold these very objects
     * @param vectors {@code ids.length x dimension} floats, of which the first {@code rows x dimension} are read
     * @param rows how many rows of the block are filled
     * @throws DjlOpsException when {@code vectors.length} is not {@code ids.length x dimension}, rows
     *     is out of range, or a row's id is null or its vector holds NaN or an infinity; the
     *     searcher is unchanged then
     */
    public void addBlock(Object[] ids, float[] vectors, int rows) {
        if (closed) {
            throw new IllegalStateException("the searcher is closed");
        }
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(vectors, "vectors");
        if ((long) ids.length * dimension != vectors.length) {
            throw new DjlOpsException("a block of " + ids.length + " rows needs " + ids.length + " x " + dimension
                    + " = " + (long) ids.length * dimension + " floats (the searcher's dimension is " + dimension
                    + "), got " + vectors.length + impliedDimension(ids.length, vectors.length));
        }
        if (rows < 0 || rows > ids.length) {
            throw new DjlOpsException("rows must be between 0 and the block's " + ids.length + ", was " + rows);
        }
        long start = System.nanoTime();
        int floats = rows * dimension;
        if (blockBuffer.capacity() < floats * FLOAT_BYTES) {
            blockBuffer = ByteBuffer.allocateDirect(floats * FLOAT_BYTES).order(ByteOrder.nativeOrder());
        }
        FloatBuffer out = blockBuffer.asFloatBuffer();
        for (int r = 0; r < rows; r++) {
            if (ids[r] == null) {
                throw new DjlOpsException("row " + r + " of the block (row " + (rowsAdded + r) + " added) has a null id");
            }
            if (!normaliseRow(vectors, r * dimension, out, r * dimension)) {
                throw new DjlOpsException("row with id " + ids[r] + " (row " + (rowsAdded + r)
                        + " added) has a non-finite element (NaN or infinity)");
            }
        }
        normaliseNanos += System.nanoTime() - start;
        if (rows > 0 && queryCount > 0) {
            score(ids, rows);
            blocks++;
        }
        rowsAdded += rows;
    }

    /**
     * Each query's best rows so far, best first, at most k, in query order; a snapshot (more
     * blocks may follow). Lists are empty when no row was added.
     */
    public List<List<Hit>> results() {
        return heaps.sorted().stream().map(List::copyOf).toList();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }

    private void score(Object[] ids, int rows) {
        long first = rowsAdded;
        ByteBuffer block = blockBuffer.slice(0, rows * dimension * FLOAT_BYTES).order(ByteOrder.nativeOrder());
        long start = System.nanoTime();
        try (NDManager scope = manager.newSubManager()) {
            // results of operations on the query matrix belong to its manager: borrow it for the block
            scope.tempAttachAll(queryMatrix);
            NDArray rowMatrix = scope.create(block, new Shape(rows, dimension), DataType.FLOAT32);
            NDArray scores = queryMatrix.matMul(rowMatrix.transpose());
            long product = System.nanoTime();
            productNanos += product - start;
            // one more than k: whether a row tied with the k-th best may have been left out shows in the values
            int candidates = k + 1;
            if (rows <= candidates) {
                float[] all = scores.toFloatArray();
                long selected = System.nanoTime();
                selectNanos += selected - product;
                for (int q = 0; q < queryCount; q++) {
                    offerRow(q, all, q * rows, ids, rows, first);
                }
                mergeNanos += System.nanoTime() - selected;
                return;
            }
            NDList top = scores.topK(candidates, 1, true, false);
            float[] best = top.get(0).toFloatArray();
            long[] index = top.get(1).toLongArray();
            long selected = System.nanoTime();
            selectNanos += selected - product;
            for (int q = 0; q < queryCount; q++) {
                int from = q * candidates;
                if (tieMayBeCut(best, from, candidates)) {
                    fullReads++;
                    offerRow(q, scores.get(q).toFloatArray(), 0, ids, rows, first);
                    continue;
                }
                for (int c = from, end = from + candidates; c < end; c++) {
                    int r = (int) index[c];
                    heaps.offer(q, best[c] + 0.0f, first + r, ids[r]);
                }
            }
            mergeNanos += System.nanoTime() - selected;
        }
    }

    /**
     * Whether the device may have chosen arbitrarily among rows tied for a place in the block's
     * top k. Rows it left out score at most the lowest of the k + 1 values it returned; if that
     * lowest value is returned once, the k others beat every row left out, which then cannot be in
     * the block's top k. If it is returned twice or more, rows of that score are in the top k and
     * others of that score may have been left out, though they were added earlier.
     */
    private static boolean tieMayBeCut(float[] values, int from, int count) {
        float lowest = Float.POSITIVE_INFINITY;
        int times = 0;
        for (int i = from, end = from + count; i < end; i++) {
            float v = values[i] + 0.0f;
            if (v < lowest) {
                lowest = v;
                times = 1;
            } else if (v == lowest) {
                times++;
            }
        }
        return times > 1;
    }

    /** Offers one query's scores of a block's rows, in row order. */
    private void offerRow(int q, float[] scores, int offset, Object[] ids, int rows, long first) {
        float threshold = heaps.threshold(q);
        for (int r = 0; r < rows; r++) {
            // in row order, a row equal to the threshold ranks below the root: only a higher score enters
            float s = scores[offset + r] + 0.0f;
            if (s > threshold) {
                heaps.offer(q, s, first + r, ids[r]);
                threshold = heaps.threshold(q);
            }
        }
    }

    /**
     * Writes {@code in[from .. from+dimension)} scaled to unit length into {@code out} at
     * {@code to}; a zero vector stays zero. False when an element is NaN or infinite (the sum of
     * squares in double is finite exactly when every float element is).
     */
    private boolean normaliseRow(float[] in, int from, FloatBuffer out, int to) {
        double sum = 0;
        for (int i = from, end = from + dimension; i < end; i++) {
            double x = in[i];
            sum += x * x;
        }
        if (!Double.isFinite(sum)) {
            return false;
        }
        float scale = sum > 0 ? (float) (1 / Math.sqrt(sum)) : 0f;
        for (int i = 0; i < dimension; i++) {
            out.put(to + i, in[from + i] * scale);
        }
        return true;
    }

    private static String impliedDimension(int rows, int floats) {
        return rows > 0 && floats % rows == 0 ? " (rows of " + floats / rows + " floats?)" : "";
    }
}
