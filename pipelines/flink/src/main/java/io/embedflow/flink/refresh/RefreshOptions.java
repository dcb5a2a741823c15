package io.embedflow.flink.refresh;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.ParameterTool;

/**
 * The options of {@link EmbeddingRefreshJob}. On the command line of the job jar each is given
 * without its {@code embedflow.} prefix, e.g. {@code --input /data/docs --id-column id}.
 */
public final class RefreshOptions {
    private RefreshOptions() {}

    static final String PREFIX = "embedflow.";

    public static final ConfigOption<String> INPUT = key("embedflow.input").stringType().noDefaultValue()
            .withDescription("Parquet dataset to embed: a directory or s3://bucket/prefix/ (read recursively; names "
                    + "starting with _ or . are skipped; key=value directories are Hive partitions).");
    public static final ConfigOption<List<String>> WHERE = key("embedflow.input.where").stringType().asList()
            .defaultValues()
            .withDescription("Hive partition filter: key=value terms separated by ';' (a key given twice matches either "
                    + "value; different keys must all match), applied before any file is read.");
    public static final ConfigOption<MemorySize> PREFETCH_BYTES = key("embedflow.read.prefetch-bytes").memoryType()
            .defaultValue(MemorySize.parse("256m"))
            .withDescription("Bytes of S3 shards each source reader may hold ahead of the one it reads.");
    public static final ConfigOption<Integer> PREFETCH_REQUESTS = key("embedflow.read.prefetch-requests").intType()
            .defaultValue(16)
            .withDescription("Ranged GETs each source reader may have in flight on S3.");
    public static final ConfigOption<String> ID_COLUMN = key("embedflow.id-column").stringType().noDefaultValue()
            .withDescription("Column holding each row's id (INT32, INT64 or STRING).");
    public static final ConfigOption<String> TEXT_COLUMN = key("embedflow.text-column").stringType().noDefaultValue()
            .withDescription("Column holding the text to embed (STRING).");
    public static final ConfigOption<String> MODEL_DIR = key("embedflow.model").stringType().noDefaultValue()
            .withDescription("Model directory: one TorchScript *.pt, tokenizer.json, serving.properties.");
    public static final ConfigOption<String> MODEL_STORE = key("embedflow.model-store").stringType().noDefaultValue()
            .withDescription("Instead of --model: the registry's object store (s3://bucket/prefix or a directory); each task "
                    + "manager copies snapshot --model-snapshot-id from it into --model-cache and verifies every file.");
    public static final ConfigOption<String> MODEL_CACHE = key("embedflow.model-cache").stringType().noDefaultValue()
            .withDescription("With --model-store: where task managers keep copies of snapshots (default, read on each task "
                    + "manager: $EMBEDFLOW_MODEL_CACHE, else embedflow-models in the JVM's temporary directory).");
    public static final ConfigOption<String> MODEL_SNAPSHOT_ID = key("embedflow.model-snapshot-id").stringType().noDefaultValue()
            .withDescription("The registry's snapshot id of the model; when absent a hash of the model directory is recorded.");
    public static final ConfigOption<String> MODEL_REF = key("embedflow.model-ref").stringType().noDefaultValue()
            .withDescription("The model's name and version as the registry knows it, e.g. starter/1.");
    public static final ConfigOption<String> OUTPUT = key("embedflow.output").stringType().noDefaultValue()
            .withDescription("Where the embedding table is published: a directory, or s3://bucket/prefix/ (the task managers"
                    + " reach S3 through EMBEDFLOW_S3_ENDPOINT and the AWS credential chain); it must not exist or be empty.");
    public static final ConfigOption<String> RUN_ID = key("embedflow.run-id").stringType().noDefaultValue()
            .withDescription("Run id recorded in the table's manifest; generated when absent.");
    public static final ConfigOption<Integer> PARALLELISM = key("embedflow.parallelism").intType().defaultValue(1)
            .withDescription("Parallel readers and embedders (one model instance each).");
    public static final ConfigOption<String> DEVICE = key("embedflow.device").stringType().defaultValue("cpu")
            .withDescription("Device of the embedders: cpu, gpu or gpu:N.");
    public static final ConfigOption<Integer> WINDOW_ROWS = key("embedflow.batch.window-rows").intType().defaultValue(2048)
            .withDescription("Rows buffered and sorted by token length before batches are cut.");
    public static final ConfigOption<Integer> MAX_BATCH_ROWS = key("embedflow.batch.max-rows").intType().defaultValue(64)
            .withDescription("Most rows in one model batch.");
    public static final ConfigOption<Integer> MAX_BATCH_TOKENS = key("embedflow.batch.max-tokens").intType().defaultValue(4096)
            .withDescription("Most padded tokens (rows x longest text) in one model batch.");
    public static final ConfigOption<Integer> TOKENIZER_THREADS = key("embedflow.tokenizer.threads").intType().defaultValue(1)
            .withDescription("Threads per embedder that tokenize windows ahead of the model.");
    public static final ConfigOption<Integer> WINDOWS_AHEAD = key("embedflow.tokenizer.windows-ahead").intType().defaultValue(1)
            .withDescription("Windows tokenized before the model reaches them (bounds memory; 1 keeps the model fed).");
    public static final ConfigOption<Integer> GPU_SUBTASKS_PER_GPU = key("embedflow.gpu.subtasks-per-gpu").intType()
            .defaultValue(1).withDescription("With --device gpu: how many embed subtasks may share one GPU (1: each has its own).");
    public static final ConfigOption<Boolean> GPU_REQUEST_SLOTS = key("embedflow.gpu.request-slots").booleanType()
            .defaultValue(true).withDescription("With --device gpu: each embed slot requests a GPU from Flink; task managers "
                    + "must offer the 'gpu' external resource (see docs/gpu.md).");
    public static final ConfigOption<Boolean> ALLOW_DUPLICATE_IDS = key("embedflow.allow-duplicate-ids").booleanType()
            .defaultValue(false).withDescription("Embed rows with repeated ids instead of failing on the first.");
    public static final ConfigOption<String> BASE_TABLE = key("embedflow.base.table").stringType().noDefaultValue()
            .withDescription("Incremental refresh: the versioned table whose version --base.version this run updates; rows "
                    + "whose (id, content hash) that version holds are kept, not embedded again (same model snapshot only).");
    public static final ConfigOption<Long> BASE_VERSION = key("embedflow.base.version").longType().noDefaultValue()
            .withDescription("Incremental refresh: the version of --base.table to start from.");
    public static final ConfigOption<String> RETRIEVAL_CORPUS = key("embedflow.retrieval.corpus").stringType()
            .noDefaultValue().withDescription("Retrieval: the embedding table searched (its newest version).");
    public static final ConfigOption<Integer> RETRIEVAL_K = key("embedflow.retrieval.k").intType().defaultValue(10)
            .withDescription("Retrieval: hits per query.");
    public static final ConfigOption<Integer> RETRIEVAL_QUERY_BATCH = key("embedflow.retrieval.query-batch").intType()
            .defaultValue(4096).withDescription("Retrieval: query vectors a subtask holds while it streams the corpus once.");
    public static final ConfigOption<Integer> RETRIEVAL_BLOCK_ROWS = key("embedflow.retrieval.block-rows").intType()
            .defaultValue(8192).withDescription("Retrieval: corpus rows scored in one matrix multiplication.");
    public static final ConfigOption<Integer> RESTART_ATTEMPTS = key("embedflow.restart-attempts").intType().defaultValue(2)
            .withDescription("Times a failed task is restarted before the run fails.");
    public static final ConfigOption<Duration> RESTART_DELAY = key("embedflow.restart-delay").durationType()
            .defaultValue(Duration.ofMillis(500)).withDescription("Delay before a failed task is restarted.");
    public static final ConfigOption<Long> FAIL_ONCE_AFTER_ROWS = key("embedflow.testing.fail-once-after-rows").longType()
            .defaultValue(0L).withDescription("Testing only: the first embedder fails once after this many rows (0: never).");
    public static final ConfigOption<String> FAIL_ONCE_MARKER = key("embedflow.testing.fail-once-marker").stringType()
            .noDefaultValue().withDescription("Testing only: file created when the injected failure fires.");

    public static final List<ConfigOption<?>> ALL = List.of(INPUT, WHERE, PREFETCH_BYTES, PREFETCH_REQUESTS, ID_COLUMN, TEXT_COLUMN, MODEL_DIR, MODEL_STORE,
            MODEL_CACHE, MODEL_SNAPSHOT_ID, MODEL_REF, OUTPUT, RUN_ID, PARALLELISM, DEVICE, WINDOW_ROWS, MAX_BATCH_ROWS, MAX_BATCH_TOKENS,
            TOKENIZER_THREADS, WINDOWS_AHEAD, GPU_SUBTASKS_PER_GPU, GPU_REQUEST_SLOTS,
            ALLOW_DUPLICATE_IDS, BASE_TABLE, BASE_VERSION, RETRIEVAL_CORPUS, RETRIEVAL_K, RETRIEVAL_QUERY_BATCH,
            RETRIEVAL_BLOCK_ROWS, RESTART_ATTEMPTS, RESTART_DELAY, FAIL_ONCE_AFTER_ROWS, FAIL_ONCE_MARKER);

    /** Reads {@code --name value} arguments (names without the {@code embedflow.} prefix). */
    public static Configuration fromArgs(String[] args) {
        ParameterTool params = ParameterTool.fromArgs(args);
        Configuration conf = new Configuration();
        for (String name : params.toMap().keySet()) {
            String key = name.startsWith(PREFIX) ? name : PREFIX + name;
            if (ALL.stream().noneMatch(o -> o.key().equals(key))) {
                throw new RefreshJobException("unknown option --" + name);
            }
            String value = params.get(name);
            conf.setString(key, value == null || value.equals("__NO_VALUE_KEY") ? "true" : value);
        }
        return conf;
    }

    /** The value of a required option; a missing one is an error naming it. */
    public static String require(Configuration conf, ConfigOption<String> option) {
        String v = conf.get(option);
        if (v == null || v.isBlank()) {
            throw new RefreshJobException("missing option --" + option.key().substring(PREFIX.length()));
        }
        return v;
    }
}
