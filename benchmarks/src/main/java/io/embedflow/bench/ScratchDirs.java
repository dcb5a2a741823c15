package io.embedflow.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A benchmark's scratch directory goes when the benchmark ends. */
final class ScratchDirs {
    private ScratchDirs() {}

    /**
     * A new, empty directory named {@code prefix…} inside {@code parent}, or inside the system temp
     * directory when {@code parent} is null; a directory the user named is never deleted itself.
     */
    static Path create(Path parent, String prefix) {
        try {
            if (parent == null) {
                return Files.createTempDirectory(prefix);
            }
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory in "
                    + (parent == null ? System.getProperty("java.io.tmpdir") : parent), e);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the scratch directory " + dir, e);
        }
    }
}
