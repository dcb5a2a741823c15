package io.embedflow.bench;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.embedflow.djl.text.Tokens;
import java.util.Arrays;
import java.util.List;

/** Model inputs for the raw predictor loops: a batch as input_ids and attention_mask, padded to its longest text. */
final class BatchTensors {
    private BatchTensors() {}

    /** With {@code tokenTypes}, a third input of zeros (token_type_ids), for models that take it. */
    static NDList of(NDManager manager, List<Tokens> batch, boolean tokenTypes) {
        int width = batch.stream().mapToInt(Tokens::length).max().orElse(0);
        long[] ids = new long[batch.size() * width];
        long[] mask = new long[ids.length];
        for (int r = 0; r < batch.size(); r++) {
            long[] t = batch.get(r).ids();
            System.arraycopy(t, 0, ids, r * width, t.length);
            Arrays.fill(mask, r * width, r * width + t.length, 1L);
        }
        Shape shape = new Shape(batch.size(), width);
        NDList inputs = new NDList(manager.create(ids, shape), manager.create(mask, shape));
        if (tokenTypes) {
            inputs.add(manager.zeros(shape, DataType.INT64));
        }
        return inputs;
    }
}
