package io.embedflow.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.parquet.EmbeddingTableWriter;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.retrieval.BlockFeeder;
import io.embedflow.djl.retrieval.Hit;
import io.embedflow.djl.retrieval.TopKSearcher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OverlappedPartFeedTest {
    private static final int DIMENSION = 8;

    @TempDir
    Path dir;

    @Test
    void overlappedDecodingGivesTheResultsOfDecodingInTurn() throws Exception {
        Random random = new Random(3);
        List<Path> parts = List.of(part("a", 0, 500, DIMENSION, random, -1), part("b", 500, 1, DIMENSION, random, -1),
                part("c", 501, 260, DIMENSION, random, -1));
        float[] queries = vectors(random, 9);

        // the same blocks as in turn, so the same products to the last bit (the block size changes float sums)
        for (int blockRows : new int[] {1, 7, 64, 1000}) {
            List<List<Hit>> inTurn;
            try (TopKSearcher searcher = TopKSearcher.create(queries, DIMENSION, 6, DeviceRequest.CPU)) {
                BlockFeeder feeder = new BlockFeeder(searcher, blockRows);
                assertThat(PartFileFeed.feed(parts, feeder)).isEqualTo(761);
                feeder.flush();
                inTurn = searcher.results();
            }
            for (int ahead : new int[] {1, 3}) {
                try (TopKSearcher searcher = TopKSearcher.create(queries, DIMENSION, 6, DeviceRequest.CPU)) {
                    assertThat(OverlappedPartFeed.feed(parts, searcher, blockRows, ahead)).isEqualTo(761);
                    assertThat(searcher.results()).as("block rows %d, %d ahead", blockRows, ahead).isEqualTo(inTurn);
                }
            }
        }
        assertThat(decoderThreads()).isEmpty();
    }

    @Test
    void aFileOfAnotherDimensionFailsNamingTheFileAndRow() throws Exception {
        Random random = new Random(4);
        Path wide = part("wide", 100, 5, DIMENSION + 2, random, -1);
        List<Path> parts = List.of(part("ok", 0, 100, DIMENSION, random, -1), wide);

        try (TopKSearcher searcher = TopKSearcher.create(vectors(random, 2), DIMENSION, 3, DeviceRequest.CPU)) {
            assertThatThrownBy(() -> OverlappedPartFeed.feed(parts, searcher, 16, 1))
                    .hasMessageContaining(wide.toString())
                    .hasMessageContaining("row 0: row with id 100 has 10 elements, expected the queries' dimension 8");
        }
        assertThat(decoderThreads()).isEmpty();
    }

    @Test
    void aRowTheSearcherRefusesStopsTheDecoder() throws Exception {
        Random random = new Random(5);
        // the bad row is in the first block; the decoder is then blocked, waiting for a free buffer
        List<Path> parts = List.of(part("nan", 0, 2000, DIMENSION, random, 3));

        try (TopKSearcher searcher = TopKSearcher.create(vectors(random, 2), DIMENSION, 3, DeviceRequest.CPU)) {
            assertThatThrownBy(() -> OverlappedPartFeed.feed(parts, searcher, 10, 1))
                    .hasMessageContaining("row with id 3").hasMessageContaining("non-finite");
        }
        assertThat(decoderThreads()).isEmpty();
    }

    /** A part file of {@code rows} rows with ids from {@code firstId}; the row with id {@code nanId} holds a NaN. */
    private Path part(String name, long firstId, int rows, int dimension, Random random, long nanId) {
        Path file = dir.resolve(name + ".parquet");
        try (EmbeddingTableWriter writer = new EmbeddingTableWriter(file, IdType.INT64, dimension)) {
            for (int r = 0; r < rows; r++) {
                float[] v = new float[dimension];
                for (int i = 0; i < dimension; i++) {
                    v[i] = (float) random.nextGaussian();
                }
                if (firstId + r == nanId) {
                    v[1] = Float.NaN;
                }
                writer.write(firstId + r, null, v, "hash");
            }
        }
        return file;
    }

    private static float[] vectors(Random random, int rows) {
        float[] out = new float[rows * DIMENSION];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    private static List<Thread> decoderThreads() {
        List<Thread> alive = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("retrieval-decoder") && t.isAlive()) {
                alive.add(t);
            }
        }
        return alive;
    }
}
