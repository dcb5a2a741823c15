package io.embedflow.bench;

import java.util.PriorityQueue;

/**
 * The baseline of {@code bench retrieval}: what plain Java does without a matrix library. For
 * each query, a dot product with every row of an in-memory table of unit vectors and a bounded
 * heap of the k best; one thread, one query at a time.
 */
final class NaiveTopK {
    private NaiveTopK() {}

    /** Each query's k best rows (by index, best first; ties by lower index) and their scores. */
    record Result(long[][] rows, float[][] scores) {}

    private record Scored(float score, int row) {}

    /**
     * Searches the first {@code queryCount} queries of {@code queries} (unit vectors, row-major)
     * in {@code table} (unit vectors, row-major, {@code rows x dimension}).
     */
    static Result search(float[] table, int rows, int dimension, float[] queries, int queryCount, int k) {
        long[][] ids = new long[queryCount][];
        float[][] scores = new float[queryCount][];
        // the worst of the k kept rows at the head: lower score, or at equal scores the later row
        PriorityQueue<Scored> heap = new PriorityQueue<>(k + 1,
                (a, b) -> a.score() != b.score() ? Float.compare(a.score(), b.score()) : Integer.compare(b.row(), a.row()));
        for (int q = 0; q < queryCount; q++) {
            int qBase = q * dimension;
            heap.clear();
            for (int r = 0; r < rows; r++) {
                int rBase = r * dimension;
                float dot = 0;
                for (int i = 0; i < dimension; i++) {
                    dot += queries[qBase + i] * table[rBase + i];
                }
                if (heap.size() < k) {
                    heap.add(new Scored(dot, r));
                } else if (dot > heap.peek().score()) {
                    heap.poll();
                    heap.add(new Scored(dot, r));
                }
            }
            int n = heap.size();
            ids[q] = new long[n];
            scores[q] = new float[n];
            for (int j = n - 1; j >= 0; j--) {
                Scored s = heap.poll();
                ids[q][j] = s.row();
                scores[q][j] = s.score();
            }
        }
        return new Result(ids, scores);
    }

    /** Scales each {@code dimension}-float row of {@code vectors} to unit length, in a new array; zero rows stay zero. */
    static float[] normalised(float[] vectors, int dimension) {
        float[] out = new float[vectors.length];
        for (int base = 0; base < vectors.length; base += dimension) {
            double sum = 0;
            for (int i = base; i < base + dimension; i++) {
                sum += (double) vectors[i] * vectors[i];
            }
            float scale = sum > 0 ? (float) (1 / Math.sqrt(sum)) : 0f;
            for (int i = base; i < base + dimension; i++) {
                out[i] = vectors[i] * scale;
            }
        }
        return out;
    }
}
