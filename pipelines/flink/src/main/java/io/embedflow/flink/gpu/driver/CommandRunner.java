package io.embedflow.flink.gpu.driver;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Runs an external command to completion: the seam between GPU discovery and the operating
 * system, so that tests can fake {@code nvidia-smi}.
 *
 * <p>Contract: {@link #run} blocks the calling thread until the command exits or {@code timeout}
 * passes; it never leaves the command running behind it. Implementations are stateless and
 * thread-safe.
 */
@FunctionalInterface
public interface CommandRunner {

    /**
     * @param command the program and its arguments
     * @return the exit code and the (possibly truncated) output
     * @throws IOException if the program cannot be started (for example, it does not exist)
     * @throws TimeoutException if it ran longer than {@code timeout}; it has been killed
     * @throws InterruptedException if the calling thread was interrupted; the command has been killed
     */
    Result run(List<String> command, Duration timeout) throws IOException, TimeoutException, InterruptedException;

    /** What a finished command left behind; {@code stdout} and {@code stderr} may be truncated. */
    record Result(int exitCode, String stdout, String stderr) {
        public Result {
            stdout = stdout == null ? "" : stdout;
            stderr = stderr == null ? "" : stderr;
        }
    }
}
