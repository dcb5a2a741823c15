package io.embedflow.bench;

import io.embedflow.djl.collective.GangMember;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A gang of worker JVMs on this machine, started as a gang launcher starts them: this JVM's java,
 * classpath and DJL engine settings, one main class, and each worker's identity in the
 * {@code EMBEDFLOW_GANG_*} variables, with rank 0's coordinator at a free loopback port. The
 * benchmark drives the workers in lock-step: {@link #command} writes a line to every worker's
 * stdin, {@link #replies} reads one line from every worker's stdout. Each worker's stderr goes to a file in a directory the caller owns.
 *
 * <p>{@link #close()} kills the workers still running, as does a shutdown hook if the JVM exits first.
 */
final class LocalGang implements AutoCloseable {
    /** The engine's settings that the launcher passes as system properties; workers that load a model need them too. */
    private static final List<String> ENGINE_PROPERTIES = List.of("ai.djl.offline", "OPT_OUT_TRACKING", "PYTORCH_VERSION",
            "PYTORCH_FLAVOR", "DJL_CACHE_DIR");

    /** A worker's stdout ended: it exited. */
    private static final String END = "\u0000end";

    private final List<Process> workers;
    private final List<BlockingQueue<String>> lines = new ArrayList<>();
    private final List<Path> errors;
    private final Thread shutdownHook;

    private LocalGang(List<Process> workers, List<Path> errors) {
        this.workers = workers;
        this.errors = errors;
        for (int rank = 0; rank < workers.size(); rank++) {
            BlockingQueue<String> queue = new ArrayBlockingQueue<>(64);
            lines.add(queue);
            Process worker = workers.get(rank);
            Thread reader = new Thread(() -> pump(worker, queue), "local-gang-rank" + rank + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }
        this.shutdownHook = new Thread(() -> workers.forEach(Process::destroyForcibly), "local-gang-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code size} workers running {@code main} with {@code args}.
     *
     * @param heap each worker's {@code -Xmx}, such as {@code 512m}
     * @param dir where the workers' stderr files go
     */
    static LocalGang start(String gangId, int size, String heap, Class<?> main, List<String> args, Path dir) throws IOException {
        GangMember rank0 = GangMember.of(0, size, "127.0.0.1:" + freePort(), gangId);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap));
        String logFile = System.getProperty("embedflow.log.file");
        if (logFile != null) {
            command.add("-Dembedflow.log.file=" + logFile);
        }
        for (String property : ENGINE_PROPERTIES) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        List<Process> started = new ArrayList<>();
        List<Path> errors = new ArrayList<>();
        try {
            for (int rank = 0; rank < size; rank++) {
                Path err = dir.resolve("rank" + rank + ".err");
                ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
                builder.environment().putAll(rank0.withRank(rank).toEnvironment());
                started.add(builder.start());
                errors.add(err);
            }
        } catch (IOException | RuntimeException e) {
            started.forEach(Process::destroyForcibly);
            throw e;
        }
        return new LocalGang(started, errors);
    }

    /** Writes {@code line} to every worker's stdin. */
    void command(String line) throws IOException {
        for (Process worker : workers) {
            Writer in = new java.io.OutputStreamWriter(worker.getOutputStream(), StandardCharsets.UTF_8);
            in.write(line + "\n");
            in.flush();
        }
    }

    /**
     * The next stdout line of every worker, by rank.
     *
     * @throws IllegalStateException if a worker exits or says nothing for {@code timeout}, with the end of its stderr
     */
    List<String> replies(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> replies = new ArrayList<>();
        for (int rank = 0; rank < workers.size(); rank++) {
            String line = lines.get(rank).poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || line.equals(END)) {
                close();
                throw new IllegalStateException("gang worker rank " + rank + (line == null ? " said nothing for "
                        + timeout.toSeconds() + " s" : " exited") + "; its stderr ends with:\n" + tail(errors.get(rank)));
            }
            replies.add(line);
        }
        return replies;
    }

    /** Waits for every worker to exit with 0. */
    void awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int rank = 0; rank < workers.size(); rank++) {
            Process worker = workers.get(rank);
            if (!worker.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) || worker.exitValue() != 0) {
                close();
                throw new IllegalStateException("gang worker rank " + rank + " did not exit cleanly; its stderr ends with:\n"
                        + tail(errors.get(rank)));
            }
        }
    }

    private static void pump(Process worker, BlockingQueue<String> queue) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                queue.put(line);
            }
        } catch (IOException e) {
            // the worker is gone; END tells the benchmark
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path file) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Process worker : workers) {
            worker.destroyForcibly();
        }
        for (Process worker : workers) {
            try {
                worker.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting and the hook runs anyway
        }
    }
}
