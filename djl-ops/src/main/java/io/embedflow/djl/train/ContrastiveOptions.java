package io.embedflow.djl.train;

import io.embedflow.djl.DjlOpsException;

/**
 * How a contrastive fine-tuning step learns: InfoNCE over in-batch negatives (every other positive
 * of the global batch, plus hard negatives when the pairs have them) at {@code temperature}, and
 * AdamW with decoupled weight decay.
 */
public record ContrastiveOptions(float learningRate, float temperature, float weightDecay, float beta1, float beta2,
        float epsilon) {
    /** lr 2e-5 is usual for a pretrained encoder; small models learn faster with more. */
    public static final ContrastiveOptions DEFAULT = new ContrastiveOptions(2e-5f, 0.05f, 0.01f, 0.9f, 0.999f, 1e-8f);

    public ContrastiveOptions {
        if (!(learningRate > 0) || !(temperature > 0)) {
            throw new DjlOpsException("learning rate and temperature must be positive, were " + learningRate + " and "
                    + temperature);
        }
        if (weightDecay < 0 || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || !(epsilon > 0)) {
            throw new DjlOpsException("invalid AdamW settings: weight decay " + weightDecay + ", betas " + beta1 + "/" + beta2
                    + ", epsilon " + epsilon);
        }
    }

    public ContrastiveOptions withLearningRate(float lr) {
        return new ContrastiveOptions(lr, temperature, weightDecay, beta1, beta2, epsilon);
    }
}
