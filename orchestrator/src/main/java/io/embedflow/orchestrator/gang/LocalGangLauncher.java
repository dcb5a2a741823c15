package io.embedflow.orchestrator.gang;

import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a gang's members as worker JVMs on this machine: this JVM's {@code java} and classpath,
 * one main class, the request's worker arguments, and each member's place in the
 * {@code EMBEDFLOW_GANG_*} variables, with rank 0's coordinator at a free loopback port chosen per
 * attempt. With accelerators, member {@code r} sees GPUs {@code r*G .. r*G+G-1} of {@code gpus} as its
 * own ({@code CUDA_VISIBLE_DEVICES}). Each member's stdout and stderr go to
 * {@code attempt-A/rank-R.log} under the log directory; its pid to {@code rank-R.pid} beside it.
 *
 * <p>A launch is all or nothing: when one member's process cannot be started, those already started
 * are stopped and the launch fails naming the member. Members that start but never reach the
 * rendezvous fail it themselves within the join timeout (rank 0 names the missing ranks), and the
 * attempt's status reports the first member that exited non-zero, with the last line it wrote.
 */
public final class LocalGangLauncher implements GangLauncher {
    private final Path logDir;
    private final String mainClass;
    private final List<String> jvmOptions;
    private final List<Integer> gpus;

    /**
     * @param mainClass the worker's main class, on this JVM's classpath
     * @param jvmOptions further options for every worker JVM (e.g. {@code -Dai.djl.offline=true})
     * @param gpus the accelerators members share out, by index; empty on a machine without
     */
    public LocalGangLauncher(Path logDir, String mainClass, List<String> jvmOptions, List<Integer> gpus) {
        this.logDir = logDir;
        this.mainClass = mainClass;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.gpus = List.copyOf(gpus);
    }

    @Override
    public LaunchedGang launch(GangRequest request, int attempt) {
        if (request.devicesPerWorker() > 0 && request.devicesPerWorker() * request.workers() > gpus.size()) {
            throw new OrchestratorException("gang " + request.gangId() + " needs " + request.workers() + " x "
                    + request.devicesPerWorker() + " GPUs; this machine offers " + gpus.size());
        }
        Path dir = logDir.resolve("attempt-" + attempt);
        String coordinator = "127.0.0.1:" + freePort();
        List<Process> members = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (int rank = 0; rank < request.workers(); rank++) {
                members.add(start(request, attempt, rank, coordinator, dir));
            }
        } catch (IOException | RuntimeException e) {
            members.forEach(Process::destroyForcibly);
            throw new OrchestratorException("gang " + request.gangId() + " attempt " + attempt + ": member rank "
                    + members.size() + " of " + request.workers() + " could not be started: " + e.getMessage(), e);
        }
        return new Launched(request, members, dir);
    }

    private Process start(GangRequest request, int attempt, int rank, String coordinator, Path dir) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap(request.memoryPerWorker()));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(request.workerArgs());
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.putAll(request.env());
        env.put(GangRequest.RANK_ENV, Integer.toString(rank));
        env.put(GangRequest.WORLD_SIZE_ENV, Integer.toString(request.workers()));
        env.put(GangRequest.COORDINATOR_ENV, coordinator);
        env.put(GangRequest.GANG_ID_ENV, request.gangId());
        env.put(GangRequest.ATTEMPT_ENV, Integer.toString(attempt));
        env.put(GangRequest.DEVICES_ENV, Integer.toString(request.devicesPerWorker()));
        if (request.devicesPerWorker() > 0) {
            List<String> mine = new ArrayList<>();
            for (int i = 0; i < request.devicesPerWorker(); i++) {
                mine.add(Integer.toString(gpus.get(rank * request.devicesPerWorker() + i)));
            }
            env.put("CUDA_VISIBLE_DEVICES", String.join(",", mine));
        }
        Path log = dir.resolve("rank-" + rank + ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = builder.start();
        Files.writeString(dir.resolve("rank-" + rank + ".pid"), Long.toString(process.pid()));
        return process;
    }

    /** Half the member's memory as heap: the rest is for native memory (libtorch's tensors live there). */
    static String heap(String memory) {
        long bytes = bytes(memory);
        return Math.max(256, bytes / 2 / (1024 * 1024)) + "m";
    }

    private static long bytes(String quantity) {
        String[][] units = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
            {"k", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};
        for (String[] u : units) {
            if (quantity.endsWith(u[0])) {
                return Long.parseLong(quantity.substring(0, quantity.length() - u[0].length())) * Long.parseLong(u[1]);
            }
        }
        return Long.parseLong(quantity);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port for the gang's coordinator", e);
        }
    }

    @Override
    public void close() {}

    /** One attempt's worker processes. */
    private static final class Launched implements LaunchedGang {
        private final GangRequest request;
        private final List<Process> members;
        private final Path dir;
        private GangStatus failure;

        Launched(GangRequest request, List<Process> members, Path dir) {
            this.request = request;
            this.members = members;
            this.dir = dir;
        }

        @Override
        public synchronized GangStatus status() {
            if (failure != null) {
                return failure;
            }
            // the member that failed first is the cause; the others fail because it did. Of the failures seen
            // at one look, one killed by a signal (status over 128) comes first, then the lowest rank
            int chosen = -1;
            boolean allDone = true;
            for (int rank = 0; rank < members.size(); rank++) {
                Process p = members.get(rank);
                if (p.isAlive()) {
                    allDone = false;
                } else if (p.exitValue() != 0 && (chosen < 0 || (p.exitValue() > 128 && members.get(chosen).exitValue() <= 128))) {
                    chosen = rank;
                }
            }
            if (chosen >= 0) {
                int exit = members.get(chosen).exitValue();
                String reason = String.format(Locale.ROOT, "rank %d of %d exited with status %d%s", chosen, members.size(),
                        exit, exit > 128 ? " (killed by signal " + (exit - 128) + ")" : "");
                String last = lastLine(dir.resolve("rank-" + chosen + ".log"));
                failure = GangStatus.failed(chosen, last.isEmpty() ? reason : reason + ": " + last);
                return failure;
            }
            return allDone ? GangStatus.succeeded() : GangStatus.running();
        }

        @Override
        public void stop() {
            members.forEach(Process::destroy);
            for (Process p : members) {
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }

        private static String lastLine(Path log) {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                for (int i = lines.size() - 1; i >= 0; i--) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("error: ")) {
                        return line.substring("error: ".length());
                    }
                }
                return "";
            } catch (IOException e) {
                return "";
            }
        }

        @Override
        public String toString() {
            return "gang " + request.gangId() + " in " + dir;
        }
    }
}
