package io.embedflow.orchestrator.refresh;

import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.orchestrator.metadata.RunOrigin;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a user asks of one refresh: embed {@code input} with {@code model} into {@code output}.
 *
 * @param input the dataset: a local directory or {@code s3://bucket/prefix/}, normalized on construction
 * @param output the table to create: a local directory or {@code s3://bucket/prefix/}, normalized
 *
 * @param model a model URI: {@code NAME} (latest version), {@code NAME/N} or {@code NAME@ALIAS}
 * @param jobOptions further job options by key (e.g. {@code embedflow.batch.max-rows})
 * @param force run even when a table of the same model snapshot and data snapshot exists
 * @param replayOf the run this one replays, or null
 * @param runId the id its run record gets, chosen by the caller (a daemon records it before the run
 *     starts, so a restart can find the run); null for a new one
 * @param origin what started it (a refresh spec's trigger), kept in its run record; null when started by hand
 * @param newVersion add a version to the table at {@code output} ({@link io.embedflow.connectors.table.TableVersions})
 *     instead of creating a table there
 * @param fullRefresh with {@code newVersion}: embed every row even when the newest version was embedded with the
 *     same model snapshot; by default such a refresh embeds only new and changed rows and keeps the others
 */
public record RefreshRequest(
        String model,
        String input,
        String idColumn,
        String textColumn,
        String output,
        int parallelism,
        String device,
        boolean allowDuplicateIds,
        Map<String, String> jobOptions,
        boolean force,
        String replayOf,
        String runId,
        RunOrigin origin,
        boolean newVersion,
        boolean fullRefresh) {

    public RefreshRequest {
        input = ObjectStores.normalize(Objects.requireNonNull(input, "input"));
        output = ObjectStores.normalize(Objects.requireNonNull(output, "output"));
        jobOptions = Map.copyOf(jobOptions);
    }

    /** A request started by hand: a new run id, no origin. */
    public RefreshRequest(String model, String input, String idColumn, String textColumn, String output, int parallelism,
            String device, boolean allowDuplicateIds, Map<String, String> jobOptions, boolean force, String replayOf) {
        this(model, input, idColumn, textColumn, output, parallelism, device, allowDuplicateIds, jobOptions, force, replayOf,
                null, null, false, false);
    }

    /** This request, run under {@code runId} and recording {@code origin}. */
    public RefreshRequest withRun(String runId, RunOrigin origin) {
        return new RefreshRequest(model, input, idColumn, textColumn, output, parallelism, device, allowDuplicateIds, jobOptions,
                force, replayOf, runId, origin, newVersion, fullRefresh);
    }

    /** This request, adding a version to the table at the output (or creating the table there). */
    public RefreshRequest withNewVersion(boolean asNewVersion) {
        return new RefreshRequest(model, input, idColumn, textColumn, output, parallelism, device, allowDuplicateIds, jobOptions,
                force, replayOf, runId, origin, asNewVersion, fullRefresh);
    }

    /** This request, embedding every row ({@code true}) or only new and changed ones when it can ({@code false}). */
    public RefreshRequest withFullRefresh(boolean embedEveryRow) {
        return new RefreshRequest(model, input, idColumn, textColumn, output, parallelism, device, allowDuplicateIds, jobOptions,
                force, replayOf, runId, origin, newVersion, embedEveryRow);
    }

    public RefreshRequest(String model, Path input, String idColumn, String textColumn, Path output, int parallelism,
            String device, boolean allowDuplicateIds, Map<String, String> jobOptions) {
        this(model, input.toString(), idColumn, textColumn, output.toString(), parallelism, device, allowDuplicateIds, jobOptions, false,
                null);
    }
}
