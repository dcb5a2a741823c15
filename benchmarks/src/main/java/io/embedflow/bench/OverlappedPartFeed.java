package io.embedflow.bench;

import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.retrieval.TopKSearcher;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Streams embedding-table part files into a {@link TopKSearcher} with decoding and searching
 * overlapped: one decoder thread scans the files, in order, into blocks of rows, while the
 * calling thread scores the previous block. Blocks come from a fixed pool of {@code blocksAhead + 1}
 * buffers, so the decoder runs at most that many blocks ahead and memory stays bounded; rows reach
 * the searcher in file order, so results equal those of {@link PartFileFeed}.
 *
 * <p>The calling thread owns the decoder: it joins it before returning, and interrupts it first
 * when the search fails. A decoding error (naming the file and row) is rethrown on the calling thread.
 */
final class OverlappedPartFeed {
    /** A block buffer; {@code rows == -1} marks the end of the table. */
    private static final class Block {
        final Object[] ids;
        final float[] vectors;
        int rows;

        Block(int blockRows, int dimension) {
            ids = new Object[blockRows];
            vectors = new float[blockRows * dimension];
        }
    }

    /** Ends the decoder's scan when the search has stopped. */
    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super(null, null, false, false);
        }
    }

    private final List<Path> files;
    private final int dimension;
    private final BlockingQueue<Block> free;
    private final BlockingQueue<Block> full;
    private final Block end;
    private volatile Throwable decodeError;

    private OverlappedPartFeed(List<Path> files, int dimension, int blockRows, int blocksAhead) {
        this.files = files;
        this.dimension = dimension;
        this.free = new ArrayBlockingQueue<>(blocksAhead + 1);
        this.full = new ArrayBlockingQueue<>(blocksAhead + 2);
        for (int i = 0; i <= blocksAhead; i++) {
            free.add(new Block(blockRows, dimension));
        }
        this.end = new Block(0, dimension);
        end.rows = -1;
    }

    /**
     * Feeds every row of {@code files} to {@code searcher} in blocks of {@code blockRows}; returns how many.
     *
     * @throws InterruptedException when the calling thread is interrupted (the decoder is stopped first)
     */
    static long feed(List<Path> files, TopKSearcher searcher, int blockRows, int blocksAhead) throws InterruptedException {
        if (blockRows < 1 || blocksAhead < 1) {
            throw new IllegalArgumentException("block rows and blocks ahead must be >= 1, were " + blockRows + " and "
                    + blocksAhead);
        }
        return new OverlappedPartFeed(files, searcher.dimension(), blockRows, blocksAhead).run(searcher);
    }

    private long run(TopKSearcher searcher) throws InterruptedException {
        Thread decoder = new Thread(this::decode, "retrieval-decoder");
        decoder.setDaemon(true);
        decoder.start();
        long rows = 0;
        boolean finished = false;
        try {
            for (Block block = full.take(); block != end; block = full.take()) {
                searcher.addBlock(block.ids, block.vectors, block.rows);
                rows += block.rows;
                Arrays.fill(block.ids, 0, block.rows, null);
                free.put(block);
            }
            finished = true;
        } finally {
            if (!finished) {
                decoder.interrupt();
            }
            decoder.join();
        }
        if (decodeError instanceof RuntimeException e) {
            throw e;
        }
        if (decodeError instanceof Error e) {
            throw e;
        }
        return rows;
    }

    /** The decoder thread: fills blocks from the files and hands them over; always ends with the end marker. */
    private void decode() {
        Block[] current = {null};
        try {
            for (Path file : files) {
                EmbeddingTableReader.scan(file, true, row -> {
                    float[] vector = row.embedding();
                    if (vector.length != dimension) {
                        throw new DjlOpsException(file + ", row " + row.position() + ": row with id " + row.id() + " has "
                                + vector.length + " elements, expected the queries' dimension " + dimension);
                    }
                    Block block = current[0] != null ? current[0] : take();
                    block.ids[block.rows] = row.id();
                    System.arraycopy(vector, 0, block.vectors, block.rows * dimension, dimension);
                    if (++block.rows == block.ids.length) {
                        put(block);
                        block = null;
                    }
                    current[0] = block;
                });
            }
            if (current[0] != null) {
                put(current[0]);
            }
        } catch (RuntimeException | Error e) {
            // after a cancel the consumer has its own error, or was interrupted
            if (!(e instanceof Cancelled || e.getCause() instanceof Cancelled || Thread.currentThread().isInterrupted())) {
                decodeError = e;
            }
        } finally {
            // the consumer reads until the end marker; the queue has room for it beyond the pool
            full.offer(end);
        }
    }

    private Block take() {
        try {
            Block block = free.take();
            block.rows = 0;
            return block;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Cancelled();
        }
    }

    private void put(Block block) {
        try {
            full.put(block);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Cancelled();
        }
    }
}
