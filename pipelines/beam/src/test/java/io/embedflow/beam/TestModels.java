package io.embedflow.beam;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the committed starter model (made by models/starter/make_starter_model.py), as djl-ops' tests do. */
public final class TestModels {
    private TestModels() {}

    public static Path starter() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("models/starter/model"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find models/ above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("models/starter/model");
    }
}
