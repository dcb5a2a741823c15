package io.embedflow.djl.retrieval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One bounded heap of at most k rows per query, in primitive arrays. A row ranks above another
 * when its score is higher or, at equal scores, when it was added earlier (lower sequence
 * number); each heap keeps its worst row at the root. Arrays grow with what they hold, so a k
 * larger than the table costs only the rows there are.
 */
final class TopKHeaps {
    private static final int INITIAL_CAPACITY = 16;

    private final int k;
    private final float[][] scores;
    private final long[][] sequences;
    private final Object[][] ids;
    private final int[] sizes;

    TopKHeaps(int queries, int k) {
        this.k = k;
        int capacity = Math.min(k, INITIAL_CAPACITY);
        scores = new float[queries][capacity];
        sequences = new long[queries][capacity];
        ids = new Object[queries][capacity];
        sizes = new int[queries];
    }

    /**
     * The score a new row of query {@code q} must exceed to enter: the root's once the heap is
     * full, minus infinity before. A later row that only equals it cannot enter, since at equal
     * scores the earlier row ranks higher.
     */
    float threshold(int q) {
        return sizes[q] < k ? Float.NEGATIVE_INFINITY : scores[q][0];
    }

    /** Offers a row to query {@code q}'s heap; rows may come in any order. */
    void offer(int q, float score, long sequence, Object id) {
        int size = sizes[q];
        if (size < k) {
            if (size == scores[q].length) {
                int grown = (int) Math.min(k, 2L * size);
                scores[q] = Arrays.copyOf(scores[q], grown);
                sequences[q] = Arrays.copyOf(sequences[q], grown);
                ids[q] = Arrays.copyOf(ids[q], grown);
            }
            sizes[q] = size + 1;
            siftUp(q, size, score, sequence, id);
        } else if (worse(scores[q][0], sequences[q][0], score, sequence)) {
            siftDown(q, size, score, sequence, id);
        }
    }

    /** Each query's rows, best first; the heaps are left as they are. */
    List<List<Hit>> sorted() {
        List<List<Hit>> result = new ArrayList<>(sizes.length);
        for (int q = 0; q < sizes.length; q++) {
            Integer[] order = new Integer[sizes[q]];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            float[] s = scores[q];
            long[] seq = sequences[q];
            Arrays.sort(order, (a, b) -> worse(s[a], seq[a], s[b], seq[b]) ? 1 : worse(s[b], seq[b], s[a], seq[a]) ? -1 : 0);
            List<Hit> hits = new ArrayList<>(order.length);
            for (int i : order) {
                hits.add(new Hit(ids[q][i], s[i]));
            }
            result.add(hits);
        }
        return result;
    }

    /** Whether row a ranks below row b (primitive comparison: -0.0 and 0.0 are equal scores). */
    private static boolean worse(float scoreA, long sequenceA, float scoreB, long sequenceB) {
        return scoreA < scoreB || (scoreA == scoreB && sequenceA > sequenceB);
    }

    private void siftUp(int q, int hole, float score, long sequence, Object id) {
        float[] s = scores[q];
        long[] seq = sequences[q];
        Object[] idq = ids[q];
        while (hole > 0) {
            int parent = (hole - 1) >>> 1;
            if (!worse(score, sequence, s[parent], seq[parent])) {
                break;
            }
            s[hole] = s[parent];
            seq[hole] = seq[parent];
            idq[hole] = idq[parent];
            hole = parent;
        }
        s[hole] = score;
        seq[hole] = sequence;
        idq[hole] = id;
    }

    /** Replaces the root with the given row and restores the heap. */
    private void siftDown(int q, int size, float score, long sequence, Object id) {
        float[] s = scores[q];
        long[] seq = sequences[q];
        Object[] idq = ids[q];
        int hole = 0;
        while (true) {
            int child = 2 * hole + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && worse(s[child + 1], seq[child + 1], s[child], seq[child])) {
                child++;
            }
            if (!worse(s[child], seq[child], score, sequence)) {
                break;
            }
            s[hole] = s[child];
            seq[hole] = seq[child];
            idq[hole] = idq[child];
            hole = child;
        }
        s[hole] = score;
        seq[hole] = sequence;
        idq[hole] = id;
    }
}
