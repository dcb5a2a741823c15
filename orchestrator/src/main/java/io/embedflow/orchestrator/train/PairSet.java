package io.embedflow.orchestrator.train;

import io.embedflow.connectors.parquet.TextColumnsReader;
import io.embedflow.djl.train.TrainingPair;
import io.embedflow.orchestrator.OrchestratorException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The (query, positive[, hard negative]) pairs of a training dataset, split into the pairs trained
 * on and a held-out part for the retrieval metric. The split is by a hash of the query, so it is the
 * same in every process that reads the same data, and a query never lands on both sides.
 *
 * @param train the pairs trained on, in dataset order
 * @param heldOut the pairs evaluated on
 */
public record PairSet(List<TrainingPair> train, List<TrainingPair> heldOut) {

    /**
     * Reads and splits the pairs under {@code root}.
     *
     * @param negativeColumn null when the pairs have no hard negatives
     * @param heldOutPercent 0 to 50
     * @throws OrchestratorException naming the file and row of a pair without query or positive
     */
    public static PairSet read(Path root, String queryColumn, String positiveColumn, String negativeColumn,
            int heldOutPercent) {
        if (heldOutPercent < 0 || heldOutPercent > 50) {
            throw new OrchestratorException("--held-out must be 0 to 50 (percent), was " + heldOutPercent);
        }
        List<String> columns = new ArrayList<>(List.of(queryColumn, positiveColumn));
        if (negativeColumn != null) {
            columns.add(negativeColumn);
        }
        List<TrainingPair> train = new ArrayList<>();
        List<TrainingPair> heldOut = new ArrayList<>();
        for (TextColumnsReader.Row row : TextColumnsReader.read(root, columns)) {
            String[] v = row.values();
            if (v[0] == null || v[0].isBlank() || v[1] == null || v[1].isBlank()) {
                throw new OrchestratorException("pair " + row.file() + " row " + row.row() + " has no "
                        + (v[0] == null || v[0].isBlank() ? queryColumn : positiveColumn));
            }
            TrainingPair pair = new TrainingPair(v[0], v[1], negativeColumn == null ? null : v[2]);
            (bucket(v[0]) < heldOutPercent ? heldOut : train).add(pair);
        }
        return new PairSet(List.copyOf(train), List.copyOf(heldOut));
    }

    /** The pairs of global step {@code step} (0-based) with {@code globalBatch} pairs a step, cycling through the data. */
    public List<TrainingPair> batch(long step, int globalBatch) {
        List<TrainingPair> out = new ArrayList<>(globalBatch);
        long start = step * globalBatch;
        for (int i = 0; i < globalBatch; i++) {
            out.add(train.get((int) ((start + i) % train.size())));
        }
        return out;
    }

    private static int bucket(String query) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(query.getBytes(StandardCharsets.UTF_8));
            return Math.floorMod(((h[0] & 0xff) << 8) | (h[1] & 0xff), 100);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
