package io.embedflow.orchestrator.train;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What a user asks of one fine-tuning run: train {@code base} on the pairs under {@code pairs} with
 * a gang of {@code workers} x {@code devicesPerWorker}, and register the result as a new version of
 * {@code name} (default: the base's name) with the alias {@code candidate}.
 *
 * @param base a model URI, usually an alias such as {@code minilm@production}
 * @param negativeColumn null when the pairs have no hard negatives
 * @param device {@code cpu} or {@code gpu}; with {@code cpu}, {@code devicesPerWorker} replicas share the cores
 * @param globalBatch pairs per step over the whole gang, a multiple of {@code workers}
 * @param checkpointEvery steps between checkpoints (0: none; a failed gang then restarts from the start)
 * @param workerEnv further environment of every worker (testing hooks; never secrets)
 */
public record TrainRequest(
        String base,
        String pairs,
        String queryColumn,
        String positiveColumn,
        String negativeColumn,
        String name,
        int workers,
        int devicesPerWorker,
        String device,
        String memoryPerWorker,
        long steps,
        int globalBatch,
        float learningRate,
        float temperature,
        long checkpointEvery,
        int heldOutPercent,
        int restartBudget,
        Duration joinTimeout,
        Map<String, String> workerEnv) {

    public TrainRequest {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(pairs, "pairs");
        workerEnv = Map.copyOf(workerEnv);
        if (workers < 1 || devicesPerWorker < 1) {
            throw new OrchestratorException("--workers and --devices-per-worker must be at least 1, were " + workers + " and "
                    + devicesPerWorker);
        }
        if (!device.equals("cpu") && !device.equals("gpu")) {
            throw new OrchestratorException("--device must be cpu or gpu, was " + device);
        }
        if (steps < 1) {
            throw new OrchestratorException("--steps must be at least 1, was " + steps);
        }
        if (globalBatch < workers || globalBatch % workers != 0) {
            throw new OrchestratorException("--batch " + globalBatch + " must be a multiple of --workers " + workers
                    + " (every member takes the same share of a step)");
        }
        if (globalBatch / workers < devicesPerWorker) {
            throw new OrchestratorException("--batch " + globalBatch + " gives each of " + workers + " workers "
                    + globalBatch / workers + " pairs a step, fewer than its " + devicesPerWorker + " devices");
        }
        if (checkpointEvery < 0 || restartBudget < 0) {
            throw new OrchestratorException("--checkpoint-every and --restart-budget must be 0 or more");
        }
    }
}
