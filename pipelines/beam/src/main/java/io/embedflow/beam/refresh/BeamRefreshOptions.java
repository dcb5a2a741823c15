package io.embedflow.beam.refresh;

import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * The options of {@link BeamRefreshPipeline}, as Beam reads them ({@code --input=DIR --idColumn=id ...}); names,
 * meanings and defaults follow the Flink job's {@code RefreshOptions} where the two overlap. The runner's own
 * options ({@code --runner}, {@code --targetParallelism} on the DirectRunner, {@code --parallelism} on the
 * FlinkRunner) go beside them.
 */
public interface BeamRefreshOptions extends PipelineOptions {
    @Description("Parquet dataset to embed: a directory or s3://bucket/prefix/ (read recursively; names starting with _ "
            + "or . are skipped; key=value directories are Hive partitions).")
    @Validation.Required
    String getInput();

    void setInput(String input);

    @Description("Hive partition filter: key=value terms separated by ',' (a key given twice matches either value; "
            + "different keys must all match), applied before any file is read.")
    List<String> getWhere();

    void setWhere(List<String> where);

    @Description("Column holding each row's id (INT32, INT64 or STRING).")
    @Validation.Required
    String getIdColumn();

    void setIdColumn(String idColumn);

    @Description("Column holding the text to embed (STRING).")
    @Validation.Required
    String getTextColumn();

    void setTextColumn(String textColumn);

    @Description("Model directory: one TorchScript *.pt, tokenizer.json, serving.properties (a path every worker can read); "
            + "or use --modelStore.")
    String getModel();

    void setModel(String model);

    @Description("Instead of --model: the registry's object store (s3://bucket/prefix or a directory); each worker copies "
            + "snapshot --modelSnapshotId from it into --modelCache and verifies every file.")
    String getModelStore();

    void setModelStore(String modelStore);

    @Description("With --modelStore: where workers keep copies of snapshots (default, read on each worker: "
            + "$EMBEDFLOW_MODEL_CACHE, else embedflow-models in the JVM's temporary directory).")
    String getModelCache();

    void setModelCache(String modelCache);

    @Description("The registry's snapshot id of the model; when absent a hash of the model directory is recorded.")
    String getModelSnapshotId();

    void setModelSnapshotId(String modelSnapshotId);

    @Description("The model's name and version as the registry knows it, e.g. starter/1.")
    String getModelRef();

    void setModelRef(String modelRef);

    @Description("Where the embedding table is published: a directory, or s3://bucket/prefix/ (workers reach S3 through "
            + "EMBEDFLOW_S3_ENDPOINT and the AWS credential chain); it must not exist or be empty.")
    @Validation.Required
    String getOutput();

    void setOutput(String output);

    @Description("Run id recorded in the table's manifest; generated when absent.")
    String getRunId();

    void setRunId(String runId);

    @Description("Parallel readers and embedders (one model instance each): the shards are spread over this many keys; "
            + "0 leaves it to the runner.")
    @Default.Integer(1)
    int getEmbedParallelism();

    void setEmbedParallelism(int embedParallelism);

    @Description("Device of the embedders: cpu, gpu or gpu:N.")
    @Default.String("cpu")
    String getDevice();

    void setDevice(String device);

    @Description("Rows buffered and sorted by token length before batches are cut.")
    @Default.Integer(2048)
    int getWindowRows();

    void setWindowRows(int windowRows);

    @Description("Most rows in one model batch.")
    @Default.Integer(64)
    int getMaxBatchRows();

    void setMaxBatchRows(int maxBatchRows);

    @Description("Most padded tokens (rows x longest text) in one model batch.")
    @Default.Integer(4096)
    int getMaxBatchTokens();

    void setMaxBatchTokens(int maxBatchTokens);

    @Description("Threads per embedder that tokenize windows ahead of the model.")
    @Default.Integer(1)
    int getTokenizerThreads();

    void setTokenizerThreads(int tokenizerThreads);

    @Description("Windows tokenized before the model reaches them (bounds memory; 1 keeps the model fed).")
    @Default.Integer(1)
    int getWindowsAhead();

    void setWindowsAhead(int windowsAhead);

    @Description("Embed rows with repeated ids instead of failing on the first.")
    @Default.Boolean(false)
    boolean getAllowDuplicateIds();

    void setAllowDuplicateIds(boolean allowDuplicateIds);
}
