package io.embedflow.djl.embed;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.model.ServingConfig;
import io.embedflow.djl.text.TextTokenizer;
import io.embedflow.djl.text.Tokens;
import java.io.IOException;
import java.nio.LongBuffer;
import java.util.List;

/**
 * Runs a text-embedding model: pads each batch to its own longest text, runs the TorchScript
 * forward, pools under the attention mask and (optionally) L2-normalises. A text's vector does
 * not depend on the batch it is in.
 *
 * <p>Not thread-safe: one instance per thread (one per Flink subtask). Each batch's native memory
 * lives in its own {@link NDManager} scope, closed before {@link #embed} returns.
 *
 * <pre>{@code
 * try (TextEmbedder embedder = TextEmbedder.load(ModelDirectory.open(dir), DeviceRequest.CPU)) {
 *     float[] v = embedder.embedText("hello world");
 * }
 * }</pre>
 */
public final class TextEmbedder implements AutoCloseable {
    private final ModelDirectory directory;
    private final ZooModel<NDList, NDList> model;
    private final TextTokenizer tokenizer;
    private final Device device;
    private final int dimension;
    private long[] idBuffer = new long[0];
    private long[] maskBuffer = new long[0];

    private TextEmbedder(ModelDirectory directory, ZooModel<NDList, NDList> model, TextTokenizer tokenizer, Device device) {
        this.directory = directory;
        this.model = model;
        this.tokenizer = tokenizer;
        this.device = device;
        this.dimension = embed(List.of(tokenizer.encode("dimension probe")))[0].length;
    }

    /** Loads the model once; errors name the file that could not be loaded. */
    public static TextEmbedder load(ModelDirectory directory, DeviceRequest deviceRequest) {
        EngineDefaults.apply();
        Engine engine = Engine.getEngine("PyTorch");
        Device device = deviceRequest.resolve(engine);
        ZooModel<NDList, NDList> model;
        try {
            model = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optModelPath(directory.dir())
                    .optModelName(directory.modelName())
                    .optEngine("PyTorch")
                    .optDevice(device)
                    .optTranslator(new NoopTranslator())
                    .optOption("mapLocation", "true")
                    .build()
                    .loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new DjlOpsException("cannot load TorchScript model " + directory.torchScriptFile() + ": "
                    + firstLine(e), e);
        }
        TextTokenizer tokenizer;
        try {
            tokenizer = TextTokenizer.load(directory);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        try {
            return new TextEmbedder(directory, model, tokenizer, device);
        } catch (RuntimeException e) {
            tokenizer.close();
            model.close();
            throw new DjlOpsException("model " + directory.torchScriptFile() + " does not run as a text encoder "
                    + "(forward(input_ids, attention_mask) -> last hidden state): " + firstLine(e), e);
        }
    }

    /** Threads libtorch uses for one operator on the calling thread (intra-op parallelism). */
    public static int intraOpThreads() {
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    public int dimension() {
        return dimension;
    }

    public ServingConfig config() {
        return directory.config();
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public Device device() {
        return device;
    }

    /** Tokenizes and embeds one text on its own (the reference a batched vector must equal). */
    public float[] embedText(String text) {
        return embed(List.of(tokenizer.encode(text)))[0];
    }

    /** Embeds a batch of tokenized texts; the result's row i belongs to {@code batch.get(i)}. */
    public float[][] embed(List<Tokens> batch) {
        int rows = batch.size();
        if (rows == 0) {
            return new float[0][];
        }
        int width = 0;
        for (Tokens t : batch) {
            width = Math.max(width, t.length());
        }
        int cells = rows * width;
        if (idBuffer.length < cells) {
            idBuffer = new long[cells];
            maskBuffer = new long[cells];
        }
        for (int r = 0; r < rows; r++) {
            long[] ids = batch.get(r).ids();
            int base = r * width;
            System.arraycopy(ids, 0, idBuffer, base, ids.length);
            java.util.Arrays.fill(idBuffer, base + ids.length, base + width, 0L);
            java.util.Arrays.fill(maskBuffer, base, base + ids.length, 1L);
            java.util.Arrays.fill(maskBuffer, base + ids.length, base + width, 0L);
        }
        try (NDManager scope = model.getNDManager().newSubManager(device)) {
            Shape shape = new Shape(rows, width);
            NDArray inputIds = scope.create(LongBuffer.wrap(idBuffer, 0, cells), shape, DataType.INT64);
            NDArray mask = scope.create(LongBuffer.wrap(maskBuffer, 0, cells), shape, DataType.INT64);
            NDList inputs = config().includeTokenTypes()
                    ? new NDList(inputIds, mask, scope.zeros(shape, DataType.INT64))
                    : new NDList(inputIds, mask);
            Block block = model.getBlock();
            NDList outputs = block.forward(new ParameterStore(scope, false), inputs, false);
            NDArray pooled = EncoderOps.textVectors(outputs, mask, config(), directory.torchScriptFile());
            float[] flat = pooled.toType(DataType.FLOAT32, false).toFloatArray();
            int dim = flat.length / rows;
            float[][] out = new float[rows][];
            for (int r = 0; r < rows; r++) {
                out[r] = java.util.Arrays.copyOfRange(flat, r * dim, (r + 1) * dim);
            }
            return out;
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
    }
}
