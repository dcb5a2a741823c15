package io.embedflow.djl;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the committed models (made by models/starter/make_starter_model.py). */
public final class TestModels {
    private TestModels() {}

    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("models/starter/model"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find models/ above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    public static Path starter() {
        return repoRoot().resolve("models/starter/model");
    }

    public static Path fixture(String name) {
        return repoRoot().resolve("models/fixtures").resolve(name);
    }
}
