package io.embedflow.orchestrator.infer;

import io.embedflow.connectors.store.ObjectStores;
import java.util.Map;
import java.util.Objects;

/**
 * A batch retrieval: embed the {@code queries} dataset with {@code model} and write each query's top
 * {@code k} rows of the {@code corpus} embedding table to {@code output}.
 *
 * @param queries a dataset: a local directory or {@code s3://bucket/prefix/}, normalized
 * @param corpus an embedding table (its newest version is searched), normalized
 * @param output the predictions table to create, normalized
 * @param jobOptions further job options by key
 */
public record InferRequest(String model, String queries, String idColumn, String textColumn, String corpus, int k,
        String output, int parallelism, String device, Map<String, String> jobOptions) {
    public InferRequest {
        queries = ObjectStores.normalize(Objects.requireNonNull(queries, "queries"));
        corpus = ObjectStores.normalize(Objects.requireNonNull(corpus, "corpus"));
        output = ObjectStores.normalize(Objects.requireNonNull(output, "output"));
        jobOptions = Map.copyOf(jobOptions);
    }
}
