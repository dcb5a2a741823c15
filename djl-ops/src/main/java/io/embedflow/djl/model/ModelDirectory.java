package io.embedflow.djl.model;

import io.embedflow.djl.DjlOpsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A text-embedding model directory in the layout DJL's converter produces for Hugging Face
 * models: one TorchScript {@code *.pt} whose forward takes {@code (input_ids, attention_mask)}
 * and returns the last hidden state, a {@code tokenizer.json}, and an optional
 * {@code serving.properties}.
 *
 * <pre>{@code
 * ModelDirectory dir = ModelDirectory.open(Path.of("models/starter/model"));
 * try (TextEmbedder embedder = TextEmbedder.load(dir, DeviceRequest.CPU)) { ... }
 * }</pre>
 */
public final class ModelDirectory {
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private final Path dir;
    private final Path torchScript;
    private final ServingConfig config;

    private ModelDirectory(Path dir, Path torchScript, ServingConfig config) {
        this.dir = dir;
        this.torchScript = torchScript;
        this.config = config;
    }

    /** Checks the layout (not the weights: those are checked when loaded) and reads the config. */
    public static ModelDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DjlOpsException("model directory " + dir + " does not exist");
        }
        List<Path> pts;
        try (Stream<Path> files = Files.list(dir)) {
            pts = files.filter(p -> p.getFileName().toString().endsWith(".pt") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new DjlOpsException("cannot list model directory " + dir + ": " + e.getMessage(), e);
        }
        if (pts.isEmpty()) {
            throw new DjlOpsException("model directory " + dir + " has no TorchScript *.pt file");
        }
        if (pts.size() > 1) {
            throw new DjlOpsException("model directory " + dir + " has more than one *.pt file: " + pts);
        }
        Path tokenizer = dir.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(tokenizer)) {
            throw new DjlOpsException("model directory " + dir + " has no " + TOKENIZER_FILE);
        }
        return new ModelDirectory(dir, pts.get(0), ServingConfig.read(dir.resolve(ServingConfig.FILE_NAME)));
    }

    public Path dir() {
        return dir;
    }

    public Path torchScriptFile() {
        return torchScript;
    }

    /** The model name DJL loads: the {@code .pt} file's name without its extension. */
    public String modelName() {
        String name = torchScript.getFileName().toString();
        return name.substring(0, name.length() - ".pt".length());
    }

    public Path tokenizerFile() {
        return dir.resolve(TOKENIZER_FILE);
    }

    public ServingConfig config() {
        return config;
    }
}
