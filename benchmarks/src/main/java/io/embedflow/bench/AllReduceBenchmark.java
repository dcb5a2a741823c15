package io.embedflow.bench;

import io.embedflow.djl.collective.CollectiveOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bench allreduce}: the gang's ring all-reduce ({@link io.embedflow.djl.collective.RingAllReduce})
 * among {@code --workers} worker JVMs on this machine ({@link AllReduceWorker}, started as a gang
 * launcher starts them), against the baseline of one loopback TCP stream ({@link LoopbackStream})
 * of the same bytes, timed in the same run: rounds alternate one stream copy and one all-reduce.
 *
 * <p>An all-reduce's time is the slowest member's, from the barrier before it to its return; the
 * figures are medians over {@code --iterations} rounds. Algorithm bandwidth is the buffer's bytes over that
 * time; bus bandwidth multiplies it by {@code 2(N-1)/N}, the share of the buffer each member sends
 * (and receives) in a ring, so that it compares with a link's bandwidth whatever N is. The
 * comparison, {@code allreduce_vs_loopback}, is bus bandwidth over the stream's.
 *
 * <p>Then, unless {@code --no-train}, what the all-reduce costs a training step ({@link GangTraining}):
 * the mean step time of a gang of two worker processes over a gang of one at the same
 * {@code --train-batch} per worker, less 1 ({@code gang2_step_overhead}), split into compute and
 * exchange.
 */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
        description = "Ring all-reduce among local worker processes vs one loopback TCP stream of the same bytes; "
                + "then a training step of a gang of 2 worker processes vs a gang of 1.")
public final class AllReduceBenchmark implements Callable<Integer> {
    /** The comparison's target: the ring moves 2(N-1)/N of the buffer per member at half a plain stream's speed or better. */
    static final double TARGET = 0.5;

    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "2", description = "Worker processes in the gang (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--megabytes", defaultValue = "64", description = "The buffer, in MiB of floats (default: ${DEFAULT-VALUE}).")
    int megabytes;

    @Option(names = "--iterations", defaultValue = "10", description = "Timed rounds, each one loopback copy and one all-reduce (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed rounds first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--chunk-bytes", converter = ByteSizes.class,
            description = "The collective's staging buffers, and the stream's write size (default: the collective's default).")
    Long chunkBytes;

    @Option(names = "--socket-buffer", converter = ByteSizes.class,
            description = "SO_SNDBUF/SO_RCVBUF of the ring's and the stream's sockets; 0: the kernel's auto-tuning (default: the collective's default).")
    Long socketBuffer;

    @Option(names = "--no-train", description = "Skip the training part (the step time of a gang of 2 vs a gang of 1).")
    boolean noTrain;

    @Option(names = "--train-batch", defaultValue = "16", description = "Training pairs per worker per step (default: ${DEFAULT-VALUE}).")
    int trainBatch;

    @Option(names = "--train-steps", defaultValue = "30", description = "Timed training rounds, each one step of each gang (default: ${DEFAULT-VALUE}).")
    int trainSteps;

    @Option(names = "--train-warmup", defaultValue = "3", description = "Untimed training rounds first (default: ${DEFAULT-VALUE}).")
    int trainWarmup;

    /**
     * Half the cores by default, so that the gang of two fills the machine without running more threads than cores:
     * with PyTorch's default of one thread per core in each worker, the gang of two ran 4 threads on 2 cores, and
     * back-to-back runs there gave gang2_step_overhead 2.7 and 0.72.
     */
    @Option(names = "--train-threads",
            description = "PyTorch's intra-op threads in each training worker; 0: PyTorch's default, one per core "
                    + "(default: half the cores, at least 1).")
    Integer trainThreads;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the workers' stderr (and the training part's model) goes, deleted at the end (default: the system temp dir).")
    Path dir;

    /** One method's times. */
    record Timing(long bytes, double[] seconds) {
        double median() {
            double[] s = seconds.clone();
            Arrays.sort(s);
            int n = s.length;
            return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        }

        double best() {
            return Arrays.stream(seconds).min().orElse(Double.NaN);
        }

        /** MB/s, MB = 10^6 bytes, from the median. */
        double mbPerSecond() {
            return bytes / median() / 1e6;
        }
    }

    /** The all-reduce figures of one run, with the loopback stream's timed between its all-reduces. */
    record CollectiveFigures(int workers, Timing allReduce, Timing loopback) {
        double algorithmMbPerSecond() {
            return allReduce.mbPerSecond();
        }

        double busMbPerSecond() {
            return allReduce.mbPerSecond() * 2.0 * (workers - 1) / workers;
        }

        /** All-reduce bus bandwidth over the loopback stream's. */
        double vsLoopback() {
            return busMbPerSecond() / loopback.mbPerSecond();
        }
    }

    @Override
    public Integer call() throws Exception {
        CollectiveOptions defaults = CollectiveOptions.defaults();
        int chunk = chunkBytes == null ? defaults.chunkBytes() : (int) Math.min(Integer.MAX_VALUE, chunkBytes);
        int sockets = socketBuffer == null ? defaults.socketBufferBytes() : (int) Math.min(Integer.MAX_VALUE, socketBuffer);
        if (workers < 2 || megabytes < 1 || megabytes > 2047 || iterations < 1 || warmup < 0 || chunk < 4096 || chunk % 4 != 0) {
            throw new ParameterException(spec.commandLine(), "need --workers >= 2, --megabytes from 1 to 2047, --iterations >= 1, "
                    + "--warmup >= 0 and --chunk-bytes a multiple of 4 of at least 4k");
        }
        if (!noTrain && (trainBatch < 1 || trainSteps < 1 || trainWarmup < 0 || (trainThreads != null && trainThreads < 0))) {
            throw new ParameterException(spec.commandLine(), "need --train-batch >= 1, --train-steps >= 1, --train-warmup >= 0 "
                    + "and --train-threads >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        long bytes = (long) megabytes << 20;

        CollectiveFigures collective = measureCollective(bytes, chunk, sockets);

        out.printf(Locale.ROOT, "all-reduce (mean) of %s (%d floats) among %d worker processes on loopback; %d cores; "
                + "%d timed rounds after %d warm-up, each one loopback copy then one all-reduce; chunk %s; socket buffers %s; "
                + "MB = 10^6 bytes%n", ByteSizes.format(bytes), bytes / 4, workers, Runtime.getRuntime().availableProcessors(),
                iterations, warmup, ByteSizes.format(chunk), sockets == 0 ? "auto-tuned" : ByteSizes.format(sockets));
        out.printf("%-34s %10s %10s %11s %11s%n", "method", "median ms", "best ms", "algo MB/s", "bus MB/s");
        Timing loopback = collective.loopback();
        row(out, "loopback stream (1 socket)", loopback, loopback.mbPerSecond(), loopback.mbPerSecond());
        row(out, "ring all-reduce, " + workers + " processes", collective.allReduce(), collective.algorithmMbPerSecond(),
                collective.busMbPerSecond());
        out.printf(Locale.ROOT, "bus MB/s = algo MB/s x 2(N-1)/N; allreduce_vs_loopback = all-reduce bus MB/s / loopback MB/s "
                + "= %.2f (target >= %.1f: %s)%n", collective.vsLoopback(), TARGET, collective.vsLoopback() >= TARGET ? "met" : "missed");

        Map<String, String> figures = new LinkedHashMap<>(collectiveFigures(collective));
        if (!noTrain) {
            GangTraining.TrainingFigures training = measureTraining();
            GangTraining.print(out, training);
            figures.putAll(GangTraining.figures(training));
        }
        figures.put("workers", String.valueOf(workers));
        figures.put("megabytes", String.valueOf(megabytes));
        figures.put("iterations", String.valueOf(iterations));
        figures.put("chunk_bytes", String.valueOf(chunk));
        figures.put("socket_buffer_bytes", String.valueOf(sockets));
        StringBuilder line = new StringBuilder();
        figures.forEach((k, v) -> line.append(line.isEmpty() ? "" : " ").append(k).append('=').append(v));
        out.println(line);
        return 0;
    }

    /** The all-reduce's key=value figures. */
    static Map<String, String> collectiveFigures(CollectiveFigures f) {
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("allreduce_vs_loopback", num(f.vsLoopback(), 3));
        figures.put("allreduce_mb_s", num(f.busMbPerSecond(), 1));
        figures.put("allreduce_algo_mb_s", num(f.algorithmMbPerSecond(), 1));
        figures.put("allreduce_ms", num(f.allReduce().median() * 1e3, 2));
        figures.put("loopback_mb_s", num(f.loopback().mbPerSecond(), 1));
        figures.put("loopback_ms", num(f.loopback().median() * 1e3, 2));
        return figures;
    }

    private GangTraining.TrainingFigures measureTraining() throws IOException, InterruptedException {
        Path scratch = ScratchDirs.create(dir, "embedflow-bench-train-");
        try {
            int threads = trainThreads != null ? trainThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
            return GangTraining.measure(trainBatch, trainWarmup, trainSteps, threads, scratch);
        } finally {
            ScratchDirs.delete(scratch);
        }
    }

    /**
     * Starts the gang of worker processes and times, round after round, one loopback stream copy of
     * the buffer's bytes in this JVM (the workers wait) and then one all-reduce among the workers,
     * so that both see the same machine: other load on a small machine moves both. An all-reduce's
     * time is the slowest member's.
     */
    CollectiveFigures measureCollective(long bytes, int chunk, int sockets) throws IOException, InterruptedException {
        Path scratch = ScratchDirs.create(dir, "embedflow-bench-allreduce-");
        try (LoopbackStream stream = new LoopbackStream(chunk, sockets)) {
            int floats = (int) (bytes / 4);
            String heap = Math.max(256, 2 * megabytes + 128) + "m";
            List<String> args = List.of(String.valueOf(floats), String.valueOf(chunk), String.valueOf(sockets));
            double[] loopback = new double[iterations];
            double[] allReduce = new double[iterations];
            try (LocalGang gang = LocalGang.start("bench-allreduce-" + ProcessHandle.current().pid(), workers, heap,
                    AllReduceWorker.class, args, scratch)) {
                expect(gang.replies(Duration.ofMinutes(2)), "ready");
                for (int i = 0; i < warmup + iterations; i++) {
                    double copy = stream.copy(bytes);
                    gang.command("reduce");
                    double slowest = 0;
                    for (String reply : gang.replies(Duration.ofMinutes(2))) {
                        if (!reply.startsWith("reduced ")) {
                            throw new IllegalStateException("a worker said '" + reply + "' instead of 'reduced NANOS'");
                        }
                        slowest = Math.max(slowest, Long.parseLong(reply.substring("reduced ".length())) / 1e9);
                    }
                    if (i >= warmup) {
                        loopback[i - warmup] = copy;
                        allReduce[i - warmup] = slowest;
                    }
                }
                gang.command("end");
                expect(gang.replies(Duration.ofMinutes(2)), "checked");
                gang.awaitExit(Duration.ofMinutes(1));
            }
            return new CollectiveFigures(workers, new Timing(bytes, allReduce), new Timing(bytes, loopback));
        } finally {
            ScratchDirs.delete(scratch);
        }
    }

    private static void expect(List<String> replies, String expected) {
        for (int rank = 0; rank < replies.size(); rank++) {
            if (!replies.get(rank).equals(expected)) {
                throw new IllegalStateException("worker rank " + rank + " said '" + replies.get(rank) + "' instead of '" + expected + "'");
            }
        }
    }

    private static void row(PrintWriter out, String method, Timing t, double algo, double bus) {
        out.printf(Locale.ROOT, "%-34s %10.2f %10.2f %11.1f %11.1f%n", method, t.median() * 1e3, t.best() * 1e3, algo, bus);
    }

    static String num(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "n/a";
    }
}
