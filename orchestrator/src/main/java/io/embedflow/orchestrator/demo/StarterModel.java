package io.embedflow.orchestrator.demo;

import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The starter model shipped inside the CLI: a small BERT-style encoder with UNTRAINED weights,
 * so the embedded default runs with no download. Its vectors carry no meaning.
 */
public final class StarterModel {
    public static final String NAME = "starter";
    private static final List<String> FILES = List.of("starter.pt", "tokenizer.json", "serving.properties");

    private StarterModel() {}

    /** Writes the model's files into {@code dir} (created) and returns it. */
    public static Path extractTo(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String name : FILES) {
                try (InputStream in = StarterModel.class.getResourceAsStream("/io/embedflow/orchestrator/starter/" + name)) {
                    if (in == null) {
                        throw new OrchestratorException("the starter model file " + name + " is missing from the classpath");
                    }
                    Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new OrchestratorException("cannot extract the starter model to " + dir + ": " + e.getMessage(), e);
        }
    }
}
