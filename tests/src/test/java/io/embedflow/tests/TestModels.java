package io.embedflow.tests;

import java.nio.file.Files;
import java.nio.file.Path;

/** The committed models (made by models/starter/make_starter_model.py). */
final class TestModels {
    private TestModels() {}

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("models/starter/model"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find models/ above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    static Path starter() {
        return repoRoot().resolve("models/starter/model");
    }

    static Path fixture(String name) {
        return repoRoot().resolve("models/fixtures").resolve(name);
    }
}
