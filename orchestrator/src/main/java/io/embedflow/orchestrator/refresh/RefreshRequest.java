package io.embedflow.orchestrator.refresh;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a user asks of one refresh: embed {@code input} with {@code model} into {@code output}.
 *
 * @param model a model URI: {@code NAME} (latest version) or {@code NAME/N}
 * @param jobOptions further job options by key (e.g. {@code embedflow.batch.max-rows})
 */
public record RefreshRequest(
        String model,
        Path input,
        String idColumn,
        String textColumn,
        Path output,
        int parallelism,
        String device,
        boolean allowDuplicateIds,
        Map<String, String> jobOptions) {

    public RefreshRequest {
        jobOptions = Map.copyOf(jobOptions);
    }
}
