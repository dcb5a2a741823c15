package io.embedflow.djl.train;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.Pair;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.embed.EncoderOps;
import io.embedflow.djl.embed.EngineDefaults;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.text.TextTokenizer;
import io.embedflow.djl.text.Tokens;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Fine-tunes a TorchScript text encoder with a contrastive loss, one synchronous data-parallel step
 * at a time. Each step takes this member's shard of the global batch; with G devices the shard is
 * split over G replicas of the model (one per device), whose gradients are summed. Query and
 * positive (and hard-negative) vectors of every member are gathered so that the loss is InfoNCE over
 * the whole global batch: the logits of each query against every positive and hard negative, at
 * the options' temperature, cross-entropy against its own positive. Each member back-propagates the
 * global loss through its own vectors only; the sum of the members' gradients
 * ({@link GradientExchange#allReduceSum}) is the gradient of the global loss, and every member applies
 * the same AdamW update, so all replicas stay identical. A gang of N members on a global batch takes
 * the same steps as one member on that batch, up to float rounding.
 *
 * <p>The module runs in training mode during a step (its dropout, if it has any, is active, as in any
 * fine-tuning; the starter model has none, so its steps are deterministic). TorchScript models are trainable because DJL exposes a TorchScript module's
 * parameters when loaded with {@code trainParam}; the result is exported as a TorchScript file again
 * ({@link #exportModel}), so a trained model loads wherever the base did.
 *
 * <p>Checkpoints ({@link #saveCheckpoint}) hold the model, the optimizer's moments, the step and the
 * caller's data position; {@link #resume} continues from one exactly.
 *
 * <p>Not thread-safe; one instance per worker process.
 */
public final class ContrastiveTrainer implements AutoCloseable {
    private static final String OPTIMIZER_FILE = "optimizer.ndlist";
    private static final String STATE_FILE = "state.properties";
    private static final String MODEL_DIR = "model";

    private final ModelDirectory base;
    private final ContrastiveOptions options;
    private final GradientExchange exchange;
    private final TextTokenizer tokenizer;
    private final List<Replica> replicas = new ArrayList<>();
    private long step;

    /** One copy of the model on one device, with its own optimizer state. */
    private record Replica(ZooModel<NDList, NDList> model, List<Parameter> parameters, AdamW optimizer, Device device) {}

    private ContrastiveTrainer(ModelDirectory base, ContrastiveOptions options, GradientExchange exchange,
            TextTokenizer tokenizer) {
        this.base = base;
        this.options = options;
        this.exchange = exchange;
        this.tokenizer = tokenizer;
    }

    /**
     * Loads {@code base} once per device in {@code devices} (G of them; the same device may repeat,
     * which on a CPU gives G replicas sharing its cores).
     *
     * @throws DjlOpsException naming the model file when it cannot be loaded for training
     */
    public static ContrastiveTrainer load(ModelDirectory base, List<DeviceRequest> devices, ContrastiveOptions options,
            GradientExchange exchange) {
        if (devices.isEmpty()) {
            throw new DjlOpsException("training needs at least one device");
        }
        EngineDefaults.apply();
        Engine engine = Engine.getEngine("PyTorch");
        ContrastiveTrainer trainer = new ContrastiveTrainer(base, options, exchange, TextTokenizer.load(base));
        try {
            for (DeviceRequest request : devices) {
                trainer.replicas.add(trainer.loadReplica(request.resolve(engine)));
            }
        } catch (RuntimeException e) {
            trainer.close();
            throw e;
        }
        return trainer;
    }

    /**
     * Loads the checkpoint in {@code checkpointDir} ({@link #saveCheckpoint}): its model, optimizer
     * moments and step.
     */
    public static ContrastiveTrainer resume(Path checkpointDir, List<DeviceRequest> devices, ContrastiveOptions options,
            GradientExchange exchange) {
        Properties state = readState(checkpointDir);
        ContrastiveTrainer trainer = load(ModelDirectory.open(checkpointDir.resolve(MODEL_DIR)), devices, options, exchange);
        try {
            trainer.step = Long.parseLong(state.getProperty("step"));
            byte[] saved = Files.readAllBytes(checkpointDir.resolve(OPTIMIZER_FILE));
            for (Replica r : trainer.replicas) {
                try (NDManager scope = r.model().getNDManager().newSubManager(r.device())) {
                    r.optimizer().restore(NDList.decode(scope, saved));
                }
            }
        } catch (IOException | RuntimeException e) {
            trainer.close();
            throw new DjlOpsException("cannot resume from checkpoint " + checkpointDir + ": " + e.getMessage(), e);
        }
        return trainer;
    }

    /** The data position a checkpoint recorded (what the caller passed to {@link #saveCheckpoint}). */
    public static long dataPosition(Path checkpointDir) {
        return Long.parseLong(readState(checkpointDir).getProperty("dataPosition"));
    }

    private Replica loadReplica(Device device) {
        ZooModel<NDList, NDList> model;
        try {
            model = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optModelPath(base.dir())
                    .optModelName(base.modelName())
                    .optEngine("PyTorch")
                    .optDevice(device)
                    .optTranslator(new NoopTranslator())
                    .optOption("mapLocation", "true")
                    .optOption("trainParam", "true")
                    .build()
                    .loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new DjlOpsException("cannot load " + base.torchScriptFile() + " for training: " + e.getMessage(), e);
        }
        List<Parameter> parameters = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            if (p.getValue().requiresGradient()) {
                if (p.getValue().getArray().getDataType() != DataType.FLOAT32) {
                    model.close();
                    throw new DjlOpsException("model " + base.torchScriptFile() + " has " + p.getValue().getArray().getDataType()
                            + " parameters (" + p.getKey() + "); fine-tuning needs a float32 model");
                }
                parameters.add(p.getValue());
            }
        }
        if (parameters.isEmpty()) {
            model.close();
            throw new DjlOpsException("model " + base.torchScriptFile() + " has no trainable parameters");
        }
        AdamW optimizer = new AdamW(options, model.getNDManager(), parameters.stream().map(Parameter::getArray).toList());
        return new Replica(model, parameters, optimizer, device);
    }

    /** Steps taken so far (restored by {@link #resume}). */
    public long step() {
        return step;
    }

    /** Trainable values per replica. */
    public long parameterCount() {
        return replicas.get(0).parameters().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /**
     * One synchronous step over this member's {@code shard} of the global batch; every member's shard
     * has the same size. Returns the global batch's loss (the same on every member).
     */
    public float step(List<TrainingPair> shard) {
        int g = replicas.size();
        if (shard.size() < g) {
            throw new DjlOpsException("a shard of " + shard.size() + " pairs cannot be split over " + g + " devices");
        }
        boolean negatives = shard.get(0).hardNegative() != null;
        for (TrainingPair p : shard) {
            if ((p.hardNegative() != null) != negatives) {
                throw new DjlOpsException("within a batch either every pair has a hard negative or none has");
            }
        }
        Replica lead = replicas.get(0);
        float loss;
        try (NDManager scope = lead.model().getNDManager().newSubManager(lead.device())) {
            // autograd on this thread only (DJL's GradientCollector allows one per process, and a test may run
            // several members in one JVM)
            boolean gradMode = JniUtils.isGradMode();
            JniUtils.setGradMode(true);
            try {
                NDList queries = new NDList();
                NDList positives = new NDList();
                NDList hardNegatives = new NDList();
                int from = 0;
                for (int r = 0; r < g; r++) {
                    int to = from + (shard.size() - from) / (g - r);
                    List<TrainingPair> slice = shard.subList(from, to);
                    Replica replica = replicas.get(r);
                    queries.add(onLead(encode(replica, scope, slice.stream().map(TrainingPair::query).toList(), true), lead));
                    positives.add(onLead(encode(replica, scope, slice.stream().map(TrainingPair::positive).toList(), true), lead));
                    if (negatives) {
                        hardNegatives.add(onLead(encode(replica, scope,
                                slice.stream().map(TrainingPair::hardNegative).toList(), true), lead));
                    }
                    from = to;
                }
                NDArray q = global(concat(queries), scope);
                NDArray candidates = global(concat(positives), scope);
                if (negatives) {
                    candidates = candidates.concat(global(concat(hardNegatives), scope));
                }
                int rows = (int) q.getShape().get(0);
                NDArray logits = q.dot(candidates.transpose()).div(options.temperature());
                NDArray targets = scope.eye(rows, (int) candidates.getShape().get(0), 0, DataType.FLOAT32);
                NDArray total = logits.logSoftmax(1).mul(targets).sum().neg().div(rows);
                JniUtils.backward((PtNDArray) total, (PtNDArray) scope.ones(total.getShape()), false, false);
                loss = total.getFloat();
            } finally {
                JniUtils.setGradMode(gradMode);
            }
            step++;
            applyUpdate(scope);
        }
        return loss;
    }

    /** This member's vectors with every other member's (constant) around them, in rank order. */
    private NDArray global(NDArray local, NDManager scope) {
        if (exchange.worldSize() == 1) {
            return local;
        }
        long rows = local.getShape().get(0);
        long dim = local.getShape().get(1);
        float[] all = exchange.allGather(local.toFloatArray());
        if (all.length != rows * dim * exchange.worldSize()) {
            throw new DjlOpsException("members' shards differ in size: gathered " + all.length + " values, expected "
                    + rows * dim * exchange.worldSize() + "; every member needs the same number of pairs per step");
        }
        NDArray gathered = scope.create(all, new Shape(exchange.worldSize() * rows, dim)).toDevice(local.getDevice(), false);
        long start = exchange.rank() * rows;
        NDList parts = new NDList();
        if (start > 0) {
            parts.add(gathered.get(new NDIndex("0:" + start)));
        }
        parts.add(local);
        if (start + rows < exchange.worldSize() * rows) {
            parts.add(gathered.get(new NDIndex(start + rows + ":")));
        }
        return concat(parts);
    }

    /** Sums the replicas' gradients, sums them over the gang, and applies the same update to every replica. */
    private void applyUpdate(NDManager scope) {
        long total = parameterCount();
        if (total > Integer.MAX_VALUE) {
            throw new DjlOpsException("models over 2^31 parameters are not supported");
        }
        float[] flat = new float[(int) total];
        for (Replica r : replicas) {
            int offset = 0;
            for (Parameter p : r.parameters()) {
                NDArray grad = p.getArray().getGradient();
                grad.attach(scope);
                float[] values = grad.toType(DataType.FLOAT32, false).toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    flat[offset + i] += values[i];
                }
                offset += values.length;
                JniUtils.zeroGrad((PtNDArray) p.getArray());
            }
        }
        exchange.allReduceSum(flat);
        // updates change the weights in place, which autograd must not see (threads other than the one that
        // loaded the engine start with grad mode on)
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            update(flat);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private void update(float[] flat) {
        for (Replica r : replicas) {
            try (NDManager update = r.model().getNDManager().newSubManager(r.device())) {
                List<NDArray> weights = new ArrayList<>();
                List<NDArray> grads = new ArrayList<>();
                int offset = 0;
                for (int i = 0; i < r.parameters().size(); i++) {
                    NDArray w = r.parameters().get(i).getArray();
                    int n = Math.toIntExact(w.size());
                    float[] slice = new float[n];
                    System.arraycopy(flat, offset, slice, 0, n);
                    offset += n;
                    weights.add(w);
                    grads.add(update.create(slice, w.getShape()).toDevice(r.device(), false));
                }
                r.optimizer().update(step, weights, grads, update);
            }
        }
    }

    /** Vectors of {@code texts}; {@code training} runs the module in training mode, recording gradients. */
    private NDArray encode(Replica replica, NDManager scope, List<String> texts, boolean training) {
        List<Tokens> tokens = new ArrayList<>(texts.size());
        for (String t : texts) {
            tokens.add(tokenizer.encode(t));
        }
        // everything the forward pass creates stays in the step's scope until after backward: closing
        // intermediate arrays earlier cuts the autograd graph
        NDManager inputs = scope.getDevice().equals(replica.device()) ? scope : scope.newSubManager(replica.device());
        NDList in = EncoderOps.inputs(inputs, tokens, base.config().includeTokenTypes());
        NDList out = replica.model().getBlock().forward(new ParameterStore(inputs, false), in, training);
        return EncoderOps.textVectors(out, in.get(1), base.config(), base.torchScriptFile());
    }

    /** Rows of {@code parts} one after another; DJL's concat of a single array is a copy outside autograd. */
    private static NDArray concat(NDList parts) {
        return parts.size() == 1 ? parts.head() : NDArrays.concat(parts);
    }

    private static NDArray onLead(NDArray a, Replica lead) {
        return a.getDevice().equals(lead.device()) ? a : a.toDevice(lead.device(), false);
    }

    /**
     * Vectors of {@code texts} with the current weights (no gradients), as inference computes them.
     */
    public float[][] embed(List<String> texts) {
        Replica lead = replicas.get(0);
        try (NDManager scope = lead.model().getNDManager().newSubManager(lead.device())) {
            NDArray v = encode(lead, scope, texts, false);
            float[] flat = v.toFloatArray();
            int dim = flat.length / texts.size();
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
            }
            return out;
        }
    }

    /** The current trainable values, flattened in parameter order (for comparing replicas and members). */
    public float[] parameters() {
        float[] flat = new float[Math.toIntExact(parameterCount())];
        int offset = 0;
        for (Parameter p : replicas.get(0).parameters()) {
            float[] values = p.getArray().toType(DataType.FLOAT32, false).toFloatArray();
            System.arraycopy(values, 0, flat, offset, values.length);
            offset += values.length;
        }
        return flat;
    }

    /**
     * Writes the trained model as a model directory like the base: the TorchScript file with the
     * current weights, the base's tokenizer and serving configuration. {@code dir} must not exist.
     */
    public void exportModel(Path dir) {
        try {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            Path staging = Files.createTempDirectory(dir.toAbsolutePath().getParent(), ".export-");
            try (OutputStream out = Files.newOutputStream(staging.resolve(base.torchScriptFile().getFileName()))) {
                JniUtils.writeModule((PtSymbolBlock) replicas.get(0).model().getBlock(), out, false);
            }
            try (var files = Files.list(base.dir())) {
                for (Path f : files.toList()) {
                    if (Files.isRegularFile(f) && !f.equals(base.torchScriptFile())) {
                        Files.copy(f, staging.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            throw new DjlOpsException("cannot export the trained model to " + dir + ": " + e.getMessage(), e);
        }
        ModelDirectory.open(dir);
    }

    /**
     * Writes a checkpoint to {@code dir} (which must not exist): the model, the optimizer moments, the
     * step and {@code dataPosition} (where the caller's data stream resumes). Written beside
     * {@code dir} and renamed into place, so a checkpoint is whole or absent.
     */
    public void saveCheckpoint(Path dir, long dataPosition) {
        Path parent = dir.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
            Path staging = Files.createTempDirectory(parent, ".checkpoint-");
            exportModel(staging.resolve(MODEL_DIR));
            try (OutputStream out = Files.newOutputStream(staging.resolve(OPTIMIZER_FILE))) {
                out.write(replicas.get(0).optimizer().state().encode());
            }
            Properties state = new Properties();
            state.setProperty("step", Long.toString(step));
            state.setProperty("dataPosition", Long.toString(dataPosition));
            state.setProperty("worldSize", Integer.toString(exchange.worldSize()));
            try (OutputStream out = Files.newOutputStream(staging.resolve(STATE_FILE))) {
                state.store(out, "embedflow training checkpoint");
            }
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new DjlOpsException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Properties readState(Path checkpointDir) {
        Properties state = new Properties();
        try (InputStream in = Files.newInputStream(checkpointDir.resolve(STATE_FILE))) {
            state.load(in);
        } catch (IOException e) {
            throw new DjlOpsException("checkpoint " + checkpointDir + " has no readable " + STATE_FILE + ": " + e.getMessage(), e);
        }
        if (state.getProperty("step") == null || state.getProperty("dataPosition") == null) {
            throw new DjlOpsException("checkpoint " + checkpointDir + " lacks its step or data position");
        }
        return state;
    }

    @Override
    public void close() {
        for (Replica r : replicas) {
            r.optimizer().close();
            r.model().close();
        }
        replicas.clear();
        tokenizer.close();
    }
}
