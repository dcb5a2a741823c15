package io.embedflow.flink.gpu.driver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a command as a child process. Its output goes to temporary files rather than pipes, so
 * no reader threads are needed and a chatty command cannot block on a full pipe; at most
 * {@link #MAX_OUTPUT_BYTES} of each stream are read back.
 */
public final class ProcessCommandRunner implements CommandRunner {
    /** The most bytes of stdout (and of stderr) kept; GPU discovery output is a few lines. */
    public static final int MAX_OUTPUT_BYTES = 64 * 1024;

    private static final Duration KILL_GRACE = Duration.ofSeconds(2);

    @Override
    public Result run(List<String> command, Duration timeout) throws IOException, TimeoutException, InterruptedException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        Path out = Files.createTempFile("embedflow-command", ".out");
        Path err = Files.createTempFile("embedflow-command", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            process.getOutputStream().close();
            boolean exited;
            try {
                exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                throw e;
            }
            if (!exited) {
                process.destroyForcibly();
                process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                throw new TimeoutException(command.get(0) + " did not finish within " + timeout.toMillis()
                        + " ms and was killed");
            }
            return new Result(process.exitValue(), readBounded(out), readBounded(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String readBounded(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_OUTPUT_BYTES), StandardCharsets.UTF_8);
        }
    }
}
