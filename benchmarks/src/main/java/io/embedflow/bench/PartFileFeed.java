package io.embedflow.bench;

import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.retrieval.BlockFeeder;
import java.nio.file.Path;
import java.util.List;

/**
 * Streams embedding-table part files into a {@link BlockFeeder}, file after file in the order
 * given, so that blocks span files and only one block and one row are held at a time. The caller
 * flushes the feeder after the last file.
 */
final class PartFileFeed {
    private PartFileFeed() {}

    /** Feeds every row of {@code files}; returns how many. Errors name the file and the row. */
    static long feed(List<Path> files, BlockFeeder feeder) {
        long rows = 0;
        for (Path file : files) {
            rows += feed(file, feeder);
        }
        return rows;
    }

    static long feed(Path file, BlockFeeder feeder) {
        long[] rows = {0};
        EmbeddingTableReader.scan(file, true, row -> {
            try {
                feeder.add(row.id(), row.embedding());
            } catch (DjlOpsException e) {
                throw new DjlOpsException(file + ", row " + row.position() + ": " + e.getMessage(), e);
            }
            rows[0]++;
        });
        return rows[0];
    }
}
