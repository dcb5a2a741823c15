package io.embedflow.djl.retrieval;

import io.embedflow.djl.DjlOpsException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Gathers rows that arrive one at a time (a table scan) into blocks of {@code blockRows} rows and
 * hands each full block to a {@link TopKSearcher}; {@link #flush} hands over the last, partial
 * one. Vectors are copied, so callers may reuse theirs. Holds one block; not thread-safe.
 */
public final class BlockFeeder {
    private final TopKSearcher searcher;
    private final int dimension;
    private final Object[] ids;
    private final float[] vectors;
    private int filled;

    /** @throws DjlOpsException when {@code blockRows < 1} or a block would exceed an array's size */
    public BlockFeeder(TopKSearcher searcher, int blockRows) {
        this.searcher = Objects.requireNonNull(searcher, "searcher");
        this.dimension = searcher.dimension();
        if (blockRows < 1 || (long) blockRows * dimension > Integer.MAX_VALUE - 8) {
            throw new DjlOpsException("block rows must be between 1 and " + (Integer.MAX_VALUE - 8) / dimension
                    + " at dimension " + dimension + ", was " + blockRows);
        }
        this.ids = new Object[blockRows];
        this.vectors = new float[blockRows * dimension];
    }

    /**
     * Adds one row; a full block goes to the searcher at once.
     *
     * @throws DjlOpsException when the vector does not have the searcher's dimension, naming the id
     */
    public void add(Object id, float[] vector) {
        if (vector == null || vector.length != dimension) {
            throw new DjlOpsException("row with id " + id + " has " + (vector == null ? "no vector" : vector.length
                    + " elements") + ", expected the queries' dimension " + dimension);
        }
        ids[filled] = id;
        System.arraycopy(vector, 0, vectors, filled * dimension, dimension);
        if (++filled == ids.length) {
            flush();
        }
    }

    /** Hands the rows gathered so far to the searcher, if any. */
    public void flush() {
        if (filled > 0) {
            try {
                searcher.addBlock(ids, vectors, filled);
            } finally {
                Arrays.fill(ids, 0, filled, null);
                filled = 0;
            }
        }
    }

    /** Rows gathered and not yet handed over. */
    public int buffered() {
        return filled;
    }
}
