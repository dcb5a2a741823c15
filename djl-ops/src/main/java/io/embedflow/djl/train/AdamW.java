package io.embedflow.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.embedflow.djl.DjlOpsException;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with decoupled weight decay, over a fixed list of parameter tensors, with its moments kept
 * as tensors of its own so that a checkpoint can save and restore them exactly ({@link #state()},
 * {@link #restore}). Updates run in place, outside any gradient recording.
 */
final class AdamW implements AutoCloseable {
    private final ContrastiveOptions options;
    private final NDManager manager;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();

    AdamW(ContrastiveOptions options, NDManager parent, List<NDArray> parameters) {
        this.options = options;
        this.manager = parent.newSubManager();
        for (NDArray p : parameters) {
            firstMoments.add(manager.zeros(p.getShape(), DataType.FLOAT32, p.getDevice()));
            secondMoments.add(manager.zeros(p.getShape(), DataType.FLOAT32, p.getDevice()));
        }
    }

    /**
     * Applies step {@code step} (1 for the first) to {@code parameters} with {@code gradients} (same
     * order and shapes); temporaries live in {@code scope}.
     */
    void update(long step, List<NDArray> parameters, List<NDArray> gradients, NDManager scope) {
        float b1 = options.beta1();
        float b2 = options.beta2();
        float correction1 = (float) (1 - Math.pow(b1, step));
        float correction2 = (float) (1 - Math.pow(b2, step));
        for (int i = 0; i < parameters.size(); i++) {
            NDArray w = parameters.get(i);
            NDArray g = gradients.get(i);
            NDArray m = firstMoments.get(i);
            NDArray v = secondMoments.get(i);
            m.muli(b1).addi(in(scope, g.mul(1 - b1)));
            v.muli(b2).addi(in(scope, g.square().mul(1 - b2)));
            NDArray mHat = in(scope, m.div(correction1));
            NDArray vHat = in(scope, v.div(correction2));
            NDArray update = in(scope, mHat.div(in(scope, in(scope, vHat.sqrt()).add(options.epsilon()))));
            if (options.weightDecay() > 0) {
                update = in(scope, update.add(in(scope, w.mul(options.weightDecay()))));
            }
            w.subi(in(scope, update.mul(options.learningRate())));
        }
    }

    /** The moments, first all first moments then all second ones, for a checkpoint. */
    NDList state() {
        NDList all = new NDList();
        all.addAll(firstMoments);
        all.addAll(secondMoments);
        return all;
    }

    /** Loads moments saved by {@link #state()}. */
    void restore(NDList saved) {
        if (saved.size() != firstMoments.size() * 2) {
            throw new DjlOpsException("optimizer state has " + saved.size() + " tensors, the model needs "
                    + firstMoments.size() * 2);
        }
        for (int i = 0; i < firstMoments.size(); i++) {
            copyInto(firstMoments.get(i), saved.get(i));
            copyInto(secondMoments.get(i), saved.get(firstMoments.size() + i));
        }
    }

    private static void copyInto(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new DjlOpsException("optimizer state tensor has shape " + source.getShape() + ", expected "
                    + target.getShape());
        }
        target.set(source.toType(DataType.FLOAT32, false).toFloatArray());
    }

    /** Moves a temporary result into the step's scope, so it is freed with the step. */
    private static NDArray in(NDManager scope, NDArray temporary) {
        temporary.attach(scope);
        return temporary;
    }

    @Override
    public void close() {
        manager.close();
    }
}
