package io.embedflow.djl.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.model.Pooling;
import io.embedflow.djl.model.ServingConfig;
import io.embedflow.djl.text.Tokens;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The steps around a text encoder's forward pass that inference and training share: padding a
 * batch into {@code input_ids}/{@code attention_mask} tensors, finding the last hidden state in the
 * model's outputs, pooling under the mask and normalising, all in float32.
 */
public final class EncoderOps {
    private EncoderOps() {}

    /**
     * The model inputs for {@code batch}, padded to its longest text: {@code input_ids},
     * {@code attention_mask} and, when the model takes them, all-zero {@code token_type_ids}.
     */
    public static NDList inputs(NDManager manager, List<Tokens> batch, boolean tokenTypes) {
        int rows = batch.size();
        int width = 1;
        for (Tokens t : batch) {
            width = Math.max(width, t.length());
        }
        long[] ids = new long[rows * width];
        long[] mask = new long[rows * width];
        for (int r = 0; r < rows; r++) {
            long[] row = batch.get(r).ids();
            System.arraycopy(row, 0, ids, r * width, row.length);
            Arrays.fill(mask, r * width, r * width + row.length, 1L);
        }
        Shape shape = new Shape(rows, width);
        NDArray inputIds = manager.create(LongBuffer.wrap(ids), shape, DataType.INT64);
        NDArray attention = manager.create(LongBuffer.wrap(mask), shape, DataType.INT64);
        return tokenTypes ? new NDList(inputIds, attention, manager.zeros(shape, DataType.INT64))
                : new NDList(inputIds, attention);
    }

    /**
     * The text vectors of a forward pass: the last hidden state in float32, pooled under
     * {@code mask} as {@code config} says, L2-normalised when it says so.
     *
     * @param modelFile the model's file, for messages
     */
    public static NDArray textVectors(NDList outputs, NDArray mask, ServingConfig config, Path modelFile) {
        NDArray hidden = lastHiddenState(outputs, modelFile);
        if (hidden.getDataType() != DataType.FLOAT32) {
            // a model exported in fp16/bf16 runs in its own precision; pooling sums many tokens, so in float32
            hidden = hidden.toType(DataType.FLOAT32, false);
        }
        NDArray pooled = pool(hidden, mask, config.pooling());
        if (config.normalize()) {
            pooled = pooled.div(pooled.norm(new int[] {1}, true).clip(1e-12f, Float.MAX_VALUE));
        }
        return pooled;
    }

    /** Mean of the token vectors under the mask, or the first token's. */
    public static NDArray pool(NDArray hidden, NDArray mask, Pooling pooling) {
        if (pooling == Pooling.CLS) {
            return hidden.get(new NDIndex(":, 0, :"));
        }
        NDArray weights = mask.toType(hidden.getDataType(), false).expandDims(2);
        NDArray sum = hidden.mul(weights).sum(new int[] {1});
        NDArray count = weights.sum(new int[] {1}).clip(1e-9f, Float.MAX_VALUE);
        return sum.div(count);
    }

    /** The model may return a tensor, a tuple (first element) or a dict ({@code last_hidden_state}). */
    public static NDArray lastHiddenState(NDList outputs, Path modelFile) {
        NDArray named = outputs.get("last_hidden_state");
        if (named != null) {
            return named;
        }
        for (NDArray a : outputs) {
            if (a.getShape().dimension() == 3) {
                return a;
            }
        }
        throw new DjlOpsException("model " + modelFile + " returned no [batch, tokens, hidden] tensor; outputs: "
                + outputs.getShapes());
    }
}
