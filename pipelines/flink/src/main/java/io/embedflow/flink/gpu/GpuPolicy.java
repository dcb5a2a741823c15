package io.embedflow.flink.gpu;

import java.io.Serializable;

/**
 * How the subtasks of a GPU operator on one task manager divide its GPUs: each subtask binds to
 * exactly one GPU, and at most {@code subtasksPerGpu} subtasks bind to the same one. The default,
 * {@link #exclusive()}, never lets two subtasks share a GPU; {@link #shared(int)} lets small
 * models fill a GPU with several model instances.
 *
 * <p>The same policy decides the GPU share each subtask's slot requests from Flink
 * ({@link #gpusPerSubtask()}, see {@link GpuResources}), so that Flink never places more
 * subtasks on a task manager than the binding can serve.
 *
 * @param subtasksPerGpu at least 1
 */
public record GpuPolicy(int subtasksPerGpu) implements Serializable {
    public GpuPolicy {
        if (subtasksPerGpu < 1) {
            throw new IllegalArgumentException("subtasks per GPU must be at least 1, was " + subtasksPerGpu);
        }
    }

    /** One subtask per GPU. */
    public static GpuPolicy exclusive() {
        return new GpuPolicy(1);
    }

    /** Up to {@code subtasksPerGpu} subtasks per GPU, spread round-robin over the GPUs. */
    public static GpuPolicy shared(int subtasksPerGpu) {
        return new GpuPolicy(subtasksPerGpu);
    }

    public boolean isExclusive() {
        return subtasksPerGpu == 1;
    }

    /** The GPU amount one subtask's slot asks Flink for: {@code 1 / subtasksPerGpu}. */
    public double gpusPerSubtask() {
        return 1.0 / subtasksPerGpu;
    }

    /** How many subtasks {@code gpus} GPUs can serve. */
    public int capacity(int gpus) {
        return Math.multiplyExact(gpus, subtasksPerGpu);
    }

    @Override
    public String toString() {
        return isExclusive() ? "exclusive" : "shared by up to " + subtasksPerGpu + " subtasks";
    }
}
