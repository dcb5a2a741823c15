package io.embedflow.orchestrator.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What every worker of a training gang needs, written by the runner into the run's directory and
 * read by each worker ({@code embedflow gang-worker PLAN}). Paths are absolute and shared by every
 * worker (one machine, or a shared volume).
 *
 * @param baseModel the base model's snapshot directory
 * @param pairs the pair dataset's root
 * @param negativeColumn null without hard negatives
 * @param steps global steps to train
 * @param globalBatch pairs per global step (a multiple of the gang's size)
 * @param devicesPerWorker model replicas per worker ({@code cpu} or {@code gpu:i} devices)
 * @param device {@code cpu} or {@code gpu}
 * @param checkpointEvery steps between checkpoints (0: none)
 * @param store the object store checkpoints are kept in (a directory or {@code s3://bucket/prefix/}; see
 *     {@link CheckpointStore})
 * @param checkpoints a local directory for checkpoints on their way to and from the store
 * @param progress the JSON-lines file rank 0 appends one line per step to
 * @param output where rank 0 exports the trained model
 */
public record TrainPlan(
        String runId,
        String baseModel,
        String pairs,
        String queryColumn,
        String positiveColumn,
        String negativeColumn,
        int heldOutPercent,
        long steps,
        int globalBatch,
        int devicesPerWorker,
        String device,
        float learningRate,
        float temperature,
        float weightDecay,
        long checkpointEvery,
        String store,
        String checkpoints,
        String progress,
        String output) {
    public static final String FILE = "plan.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new OrchestratorException("cannot write the training plan " + file + ": " + e.getMessage(), e);
        }
    }

    static TrainPlan read(Path file) {
        try {
            return JSON.readValue(file.toFile(), TrainPlan.class);
        } catch (IOException e) {
            throw new OrchestratorException("cannot read the training plan " + file + ": " + e.getMessage(), e);
        }
    }
}
