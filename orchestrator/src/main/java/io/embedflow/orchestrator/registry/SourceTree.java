package io.embedflow.orchestrator.registry;

import io.embedflow.connectors.snapshot.SnapshotFile;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;

/**
 * The files a directory import would copy, checked before anything is written: every regular
 * file below the directory, following symlinks whose targets stay inside it. A symlink leading
 * outside, a broken or looping symlink, or anything that is neither file nor directory (FIFO,
 * socket, device) fails the whole listing, naming each offender.
 */
final class SourceTree {

    /** A file to copy: its snapshot path and where to read it. */
    record Entry(String path, Path source) {
    }

    private static final int PROBLEMS_SHOWN = 10;

    private SourceTree() {
    }

    /** The importable files of {@code dir}, sorted by snapshot path; never empty. */
    static List<Entry> list(Path dir) {
        if (!Files.exists(dir)) {
            throw new OrchestratorException("cannot import model directory " + dir + ": it does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new OrchestratorException("cannot import model directory " + dir + ": it is not a directory");
        }
        Path root;
        try {
            root = dir.toRealPath();
        } catch (IOException e) {
            throw new OrchestratorException("cannot import model directory " + dir + ": it cannot be resolved", e);
        }
        Walker walker = new Walker(root);
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, walker);
        } catch (IOException e) {
            throw new OrchestratorException("cannot import model directory " + dir + ": reading it failed", e);
        }
        if (!walker.problems.isEmpty()) {
            List<String> problems = walker.problems;
            String shown = String.join("; ", problems.subList(0, Math.min(problems.size(), PROBLEMS_SHOWN)));
            throw new OrchestratorException("cannot import model directory " + dir + ": " + shown
                    + (problems.size() > PROBLEMS_SHOWN ? "; and " + (problems.size() - PROBLEMS_SHOWN) + " more" : ""));
        }
        if (walker.entries.isEmpty()) {
            throw new OrchestratorException("cannot import model directory " + dir + ": it contains no files");
        }
        walker.entries.sort(Comparator.comparing(Entry::path));
        return walker.entries;
    }

    private static final class Walker extends SimpleFileVisitor<Path> {
        private final Path root;
        final List<Entry> entries = new ArrayList<>();
        final List<String> problems = new ArrayList<>();

        Walker(Path root) {
            this.root = root;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            if (dir.equals(root) || staysInside(dir)) {
                return FileVisitResult.CONTINUE;
            }
            return FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            String path = relative(file);
            if (attrs.isSymbolicLink()) {
                // FOLLOW_LINKS reports a link's own attributes only when its target is missing.
                problems.add("symlink '" + path + "' is broken (it points to " + Files.readSymbolicLink(file) + ")");
            } else if (!attrs.isRegularFile()) {
                problems.add("'" + path + "' is not a regular file");
            } else if (!SnapshotFile.isValidPath(path)) {
                problems.add("file name '" + path + "' cannot be stored in a snapshot");
            } else if (staysInside(file)) {
                entries.add(new Entry(path, file));
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof FileSystemLoopException) {
                problems.add("symlink '" + relative(file) + "' makes a directory loop");
                return FileVisitResult.CONTINUE;
            }
            if (e instanceof NoSuchFileException) {
                // deleted while we walked: the import would not be a faithful copy
                problems.add("'" + relative(file) + "' disappeared while reading the directory");
                return FileVisitResult.CONTINUE;
            }
            throw e;
        }

        /** Records a problem and returns false if {@code path} resolves outside the root. */
        private boolean staysInside(Path path) throws IOException {
            Path real = path.toRealPath();
            if (real.startsWith(root)) {
                return true;
            }
            problems.add("symlink '" + relative(path) + "' points outside the directory (to " + real + ")");
            return false;
        }

        private String relative(Path path) {
            Path rel = root.relativize(path);
            StringBuilder joined = new StringBuilder();
            for (Path name : rel) {
                joined.append(joined.length() == 0 ? "" : "/").append(name);
            }
            return joined.toString();
        }
    }
}
