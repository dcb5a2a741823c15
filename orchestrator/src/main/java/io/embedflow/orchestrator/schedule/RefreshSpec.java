package io.embedflow.orchestrator.schedule;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.shard.PartitionFilter;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.orchestrator.registry.ModelRef;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A registered embedding refresh: embed {@code dataset} with {@code model} into {@code output}
 * whenever one of its {@link Triggers} fires. Read from YAML by {@link RefreshSpecYaml}; validated
 * here, at construction, with errors that name the field.
 *
 * <pre>{@code
 * name: docs-nightly
 * tenant: search
 * dataset: s3://warehouse/docs/
 * where: [country=de]
 * idColumn: id
 * textColumn: body
 * model: minilm@production
 * output: s3://tables/docs-minilm/
 * parallelism: 4
 * device: gpu
 * priority: 10
 * jobOptions: {embedflow.batch.max-rows: 128}
 * triggers: {cron: "0 3 * * *", timezone: Europe/Berlin, onNewData: true, onModelAlias: true, after: [docs-clean]}
 * }</pre>
 *
 * @param name unique among specs: {@value #NAME_RULE}
 * @param tenant the team the runs count against (fair share and quotas): same rule as the name
 * @param dataset the Parquet dataset: an absolute local directory or {@code s3://bucket/prefix}, normalized
 * @param where Hive partition filter terms ({@code key=value}); empty for every partition
 * @param idColumn the id column
 * @param textColumn the text column
 * @param model the model: {@code NAME}, {@code NAME/N} or (usually) {@code NAME@ALIAS}
 * @param output the embedding table: an absolute local directory or {@code s3://bucket/prefix}, normalized
 * @param parallelism parallel embedders, 1 to {@value #MAX_PARALLELISM}
 * @param device where the embedders run
 * @param priority order among the tenant's waiting runs: higher first
 * @param jobOptions further job options ({@code embedflow.batch.max-rows}, ...), none of those the fields above set
 * @param triggers what starts runs besides a manual trigger
 */
public record RefreshSpec(
        String name,
        String tenant,
        String dataset,
        List<String> where,
        String idColumn,
        String textColumn,
        ModelRef model,
        String output,
        int parallelism,
        DeviceRequest device,
        int priority,
        Map<String, String> jobOptions,
        Triggers triggers) {

    public static final String NAME_RULE = "1 to 63 lowercase letters, digits and '-', starting with a letter or digit";
    public static final String DEFAULT_TENANT = "default";
    public static final int MAX_PARALLELISM = 4096;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    /** Job options the spec's own fields set: giving them again would be two answers to one question. */
    private static final Map<String, String> FIELD_OPTIONS = Map.ofEntries(
            Map.entry(RefreshOptions.INPUT.key(), "dataset"),
            Map.entry(RefreshOptions.WHERE.key(), "where"),
            Map.entry(RefreshOptions.ID_COLUMN.key(), "idColumn"),
            Map.entry(RefreshOptions.TEXT_COLUMN.key(), "textColumn"),
            Map.entry(RefreshOptions.MODEL_DIR.key(), "model"),
            Map.entry(RefreshOptions.MODEL_STORE.key(), "model"),
            Map.entry(RefreshOptions.MODEL_REF.key(), "model"),
            Map.entry(RefreshOptions.MODEL_SNAPSHOT_ID.key(), "model"),
            Map.entry(RefreshOptions.OUTPUT.key(), "output"),
            Map.entry(RefreshOptions.PARALLELISM.key(), "parallelism"),
            Map.entry(RefreshOptions.DEVICE.key(), "device"));

    public RefreshSpec {
        requireName("name", name);
        requireName("tenant", tenant);
        dataset = location("dataset", dataset);
        where = List.copyOf(Objects.requireNonNull(where, "where"));
        for (int i = 0; i < where.size(); i++) {
            try {
                PartitionFilter.parse(List.of(where.get(i)));
            } catch (ConnectorException e) {
                throw new InvalidSpecException("where[" + i + "]", e.getMessage(), e);
            }
        }
        requireText("idColumn", idColumn);
        requireText("textColumn", textColumn);
        if (model == null) {
            throw new InvalidSpecException("model", "is required: a model URI such as minilm@production");
        }
        output = location("output", output);
        if (output.equals(dataset)) {
            throw new InvalidSpecException("output", "'" + output + "' is the dataset itself; write the table elsewhere");
        }
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new InvalidSpecException("parallelism", parallelism + " is not between 1 and " + MAX_PARALLELISM);
        }
        if (device == null) {
            throw new InvalidSpecException("device", "is required: cpu, gpu or gpu:N");
        }
        jobOptions = Map.copyOf(Objects.requireNonNull(jobOptions, "jobOptions"));
        for (Map.Entry<String, String> option : jobOptions.entrySet()) {
            String field = FIELD_OPTIONS.get(option.getKey());
            if (option.getKey().isBlank()) {
                throw new InvalidSpecException("jobOptions", "an option has an empty key");
            }
            if (field != null) {
                throw new InvalidSpecException("jobOptions." + option.getKey(), "is set by the spec's field '" + field
                        + "'; set it there");
            }
        }
        Objects.requireNonNull(triggers, "triggers");
        if (triggers.onModelAlias() && !model.isAlias()) {
            throw new InvalidSpecException("triggers.onModelAlias", "needs a model alias (NAME@ALIAS), but model is '"
                    + model + "'");
        }
        if (triggers.after().contains(name)) {
            throw new InvalidSpecException("triggers.after", "spec '" + name + "' cannot run after itself");
        }
    }

    /** Whether {@code name} is a valid spec or tenant name ({@value #NAME_RULE}). */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The {@code where} terms as a filter. */
    public PartitionFilter partitionFilter() {
        return PartitionFilter.parse(where);
    }

    private static void requireName(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidSpecException(field, "is required: " + NAME_RULE);
        }
        if (!isValidName(value)) {
            throw new InvalidSpecException(field, "'" + value + "' must be " + NAME_RULE);
        }
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidSpecException(field, "is required");
        }
    }

    private static String location(String field, String value) {
        requireText(field, value);
        try {
            return ObjectStores.normalize(value);
        } catch (ConnectorException e) {
            throw new InvalidSpecException(field, e.getMessage(), e);
        }
    }
}
