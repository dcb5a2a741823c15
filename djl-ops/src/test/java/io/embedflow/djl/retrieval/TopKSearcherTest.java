package io.embedflow.djl.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.device.DeviceRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class TopKSearcherTest {
    @Test
    void randomDataGivesTheReferenceTopKAtEveryBlockSize() {
        Random random = new Random(7);
        int dimension = 24;
        float[][] table = gaussian(random, 1000, dimension);
        float[][] queries = gaussian(random, 17, dimension);
        // smaller than k, odd sizes with a partial last block, one block, larger than the table
        for (int blockRows : new int[] {1, 3, 9, 64, 333, 1000, 4096}) {
            for (int k : new int[] {1, 10, 1500}) {
                List<List<Hit>> got = search(queries, table, k, blockRows, i -> (long) i * 3);
                assertMatchesReference(got, queries, table, k, i -> (long) i * 3, "block " + blockRows + ", k " + k);
            }
        }
    }

    @Test
    void exactTiesRankByTheOrderRowsWereAdded() {
        // entries of 0 and ±1 with 1, 4 or 16 non-zeros normalise exactly (scale 1, 1/2, 1/4), and every
        // dot product is exact in float whatever the summation order: duplicates and equal scores abound
        Random random = new Random(11);
        int dimension = 16;
        float[][] pool = exactVectors(random, 6, dimension);
        float[][] table = new float[600][];
        for (int i = 0; i < table.length; i++) {
            table[i] = pool[random.nextInt(pool.length)];
        }
        float[][] queries = exactVectors(random, 12, dimension);
        for (int blockRows : new int[] {1, 5, 7, 50, 128, 599, 600}) {
            for (int k : new int[] {1, 7, 40, 700}) {
                List<List<Hit>> got = search(queries, table, k, blockRows, i -> "row-" + i);
                assertMatchesReference(got, queries, table, k, i -> "row-" + i, "block " + blockRows + ", k " + k);
            }
        }
    }

    @Test
    void zeroVectorsScoreZeroAndKeepTheirOrder() {
        float[][] table = {{0, 0, 0}, {1, 0, 0}, {0, 0, 0}, {0, 2, 0}, {0, 0, 0}};
        float[][] queries = {{0, 0, 0}, {3, 0, 0}};

        List<List<Hit>> got = search(queries, table, 3, 2, i -> i);

        assertThat(got.get(0)).containsExactly(new Hit(0, 0f), new Hit(1, 0f), new Hit(2, 0f));
        assertThat(got.get(1)).containsExactly(new Hit(1, 1f), new Hit(0, 0f), new Hit(2, 0f));
    }

    @Test
    void idsComeBackAsTheObjectsAdded() {
        float[][] table = {{1, 0}, {0, 1}, {1, 1}};
        float[][] queries = {{1, 0.1f}};

        List<Hit> strings = search(queries, table, 3, 2, i -> "doc-" + i).get(0);
        List<Hit> longs = search(queries, table, 3, 2, i -> 10_000_000_000L + i).get(0);

        assertThat(strings).extracting(Hit::id).containsExactly("doc-0", "doc-2", "doc-1");
        assertThat(longs).extracting(Hit::id).containsExactly(10_000_000_000L, 10_000_000_002L, 10_000_000_001L);
    }

    @Test
    void anEmptyTableGivesEmptyListsAndNoQueriesGiveNone() {
        try (TopKSearcher searcher = TopKSearcher.create(new float[][] {{1, 2}, {3, 4}}, 5, DeviceRequest.CPU)) {
            searcher.addBlock(new Object[4], new float[8], 0);
            assertThat(searcher.results()).containsExactly(List.of(), List.of());
            assertThat(searcher.rowsAdded()).isZero();
        }
        try (TopKSearcher searcher = TopKSearcher.create(new float[0], 2, 5, DeviceRequest.CPU)) {
            searcher.addBlock(new Object[] {1L}, new float[] {1, 2}, 1);
            assertThat(searcher.results()).isEmpty();
            assertThat(searcher.rowsAdded()).isOne();
        }
    }

    @Test
    void resultsAreASnapshotAndMoreBlocksMayFollow() {
        try (TopKSearcher searcher = TopKSearcher.create(new float[][] {{1, 0}}, 2, DeviceRequest.CPU)) {
            searcher.addBlock(new Object[] {"a"}, new float[] {0, 1}, 1);
            List<List<Hit>> first = searcher.results();
            searcher.addBlock(new Object[] {"b", "c"}, new float[] {1, 0, 1, 1}, 2);

            assertThat(first.get(0)).extracting(Hit::id).containsExactly("a");
            assertThat(searcher.results().get(0)).extracting(Hit::id).containsExactly("b", "c");
        }
    }

    @Test
    void badShapesAndValuesAreRefusedNamingWhatWasExpected() {
        assertThatThrownBy(() -> TopKSearcher.create(new float[][] {{1, 2, 3}, {1, 2}}, 1, DeviceRequest.CPU))
                .isInstanceOf(DjlOpsException.class).hasMessageContaining("query 1 has 2 elements, expected 3");
        assertThatThrownBy(() -> TopKSearcher.create(new float[7], 3, 1, DeviceRequest.CPU))
                .isInstanceOf(DjlOpsException.class).hasMessageContaining("7 floats, not a multiple of the dimension 3");
        assertThatThrownBy(() -> TopKSearcher.create(new float[][] {{1, 2}}, 0, DeviceRequest.CPU))
                .isInstanceOf(DjlOpsException.class).hasMessageContaining("k must be >= 1, was 0");
        assertThatThrownBy(() -> TopKSearcher.create(new float[][] {}, 1, DeviceRequest.CPU))
                .isInstanceOf(DjlOpsException.class).hasMessageContaining("no queries");
        assertThatThrownBy(() -> TopKSearcher.create(new float[][] {{1, Float.NaN}}, 1, DeviceRequest.CPU))
                .isInstanceOf(DjlOpsException.class).hasMessageContaining("query 0 has a non-finite element");

        try (TopKSearcher searcher = TopKSearcher.create(new float[][] {{1, 2, 3, 4}}, 2, DeviceRequest.CPU)) {
            assertThatThrownBy(() -> searcher.addBlock(new Object[] {1L, 2L}, new float[6], 2))
                    .isInstanceOf(DjlOpsException.class)
                    .hasMessageContaining("needs 2 x 4 = 8 floats (the searcher's dimension is 4), got 6 (rows of 3 floats?)");
            assertThatThrownBy(() -> searcher.addBlock(new Object[] {1L, 2L}, new float[8], 3))
                    .isInstanceOf(DjlOpsException.class).hasMessageContaining("between 0 and the block's 2, was 3");
            assertThatThrownBy(() -> searcher.addBlock(new Object[] {1L, null}, new float[8], 2))
                    .isInstanceOf(DjlOpsException.class).hasMessageContaining("row 1 of the block").hasMessageContaining("null id");
            assertThatThrownBy(() -> searcher.addBlock(new Object[] {"x", "y"}, new float[] {1, 1, 1, 1, 1, Float.POSITIVE_INFINITY, 1, 1}, 2))
                    .isInstanceOf(DjlOpsException.class).hasMessageContaining("row with id y").hasMessageContaining("non-finite");
            BlockFeeder feeder = new BlockFeeder(searcher, 8);
            assertThatThrownBy(() -> feeder.add("doc-9", new float[3]))
                    .isInstanceOf(DjlOpsException.class)
                    .hasMessageContaining("row with id doc-9 has 3 elements, expected the queries' dimension 4");
            assertThat(searcher.rowsAdded()).isZero();
            assertThat(searcher.results()).containsExactly(List.of());
        }
    }

    @Test
    void blockFeederHandsOverFullBlocksAndTheRestOnFlush() {
        try (TopKSearcher searcher = TopKSearcher.create(new float[][] {{1, 0}}, 10, DeviceRequest.CPU)) {
            BlockFeeder feeder = new BlockFeeder(searcher, 4);
            float[] reused = new float[2];
            for (int i = 0; i < 10; i++) {
                reused[0] = i;
                reused[1] = 1;
                feeder.add(i, reused);
            }
            assertThat(searcher.rowsAdded()).isEqualTo(8);
            assertThat(feeder.buffered()).isEqualTo(2);
            feeder.flush();
            assertThat(searcher.rowsAdded()).isEqualTo(10);
            // cosine with (1, 0) grows with i: the copies were taken before the buffer changed
            assertThat(searcher.results().get(0)).extracting(Hit::id).containsExactly(9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        }
    }

    private static List<List<Hit>> search(float[][] queries, float[][] table, int k, int blockRows, IntFunction<Object> id) {
        try (TopKSearcher searcher = TopKSearcher.create(queries, k, DeviceRequest.CPU)) {
            BlockFeeder feeder = new BlockFeeder(searcher, blockRows);
            for (int i = 0; i < table.length; i++) {
                feeder.add(id.apply(i), table[i]);
            }
            feeder.flush();
            assertThat(searcher.rowsAdded()).isEqualTo(table.length);
            return searcher.results();
        }
    }

    /** Cosine in double, best first, ties by row order; scores within 1e-5. */
    private static void assertMatchesReference(List<List<Hit>> got, float[][] queries, float[][] table, int k,
            IntFunction<Object> id, String what) {
        assertThat(got).hasSize(queries.length);
        for (int q = 0; q < queries.length; q++) {
            double[] scores = new double[table.length];
            for (int i = 0; i < table.length; i++) {
                scores[i] = cosine(queries[q], table[i]);
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < table.length; i++) {
                order.add(i);
            }
            order.sort(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i));
            List<Integer> expected = order.subList(0, Math.min(k, table.length));
            List<Hit> hits = got.get(q);
            assertThat(hits).extracting(Hit::id).as(what + ", query " + q)
                    .containsExactlyElementsOf(expected.stream().map(id::apply).toList());
            for (int j = 0; j < hits.size(); j++) {
                assertThat((double) hits.get(j).score()).as(what + ", query " + q + ", rank " + j)
                        .isCloseTo(scores[expected.get(j)], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na) / Math.sqrt(nb);
    }

    private static float[][] gaussian(Random random, int rows, int dimension) {
        float[][] out = new float[rows][dimension];
        for (float[] row : out) {
            for (int i = 0; i < dimension; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return out;
    }

    private static float[][] exactVectors(Random random, int rows, int dimension) {
        float[][] out = new float[rows][dimension];
        for (float[] row : out) {
            int nonZeros = new int[] {1, 4, 16}[random.nextInt(3)];
            List<Integer> positions = new ArrayList<>();
            for (int i = 0; i < dimension; i++) {
                positions.add(i);
            }
            java.util.Collections.shuffle(positions, random);
            for (int p : positions.subList(0, nonZeros)) {
                row[p] = random.nextBoolean() ? 1 : -1;
            }
        }
        return out;
    }
}
