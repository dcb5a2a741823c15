package io.embedflow.bench;

import io.embedflow.orchestrator.demo.StarterModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training part of {@code bench allreduce}: the time of a data-parallel training step of the
 * starter model on the CPU by a gang of two worker processes ({@link TrainWorker}) against a gang of
 * one, at the same number of pairs per worker, so the gang of two takes twice the global batch in
 * its step. With perfect scaling both steps take as long; the overhead is the rest.
 *
 * <p>Both gangs run at once, each waiting on its stdin while the other steps: every round takes one
 * step of each gang, and which gang goes first alternates, so other load on the machine moves both
 * alike. Each worker times its step and, by wrapping the trainer's exchange ({@link TimedExchange}),
 * the part spent in the all-gather and all-reduce calls; compute is the rest of the step. A gang's
 * step time is its slowest member's; compute and exchange are means over its members.
 */
final class GangTraining {
    private static final Duration REPLY_TIMEOUT = Duration.ofMinutes(2);

    private GangTraining() {}

    /** A gang's figures, one entry per timed step, in seconds. */
    record GangSteps(int processes, double[] step, double[] compute, double[] gather, double[] reduce, double[] cpu) {
        static GangSteps of(int processes, int steps) {
            return new GangSteps(processes, new double[steps], new double[steps], new double[steps], new double[steps],
                    new double[steps]);
        }

        double stepMs() {
            return mean(step) * 1e3;
        }

        double medianStepMs() {
            double[] s = step.clone();
            Arrays.sort(s);
            int n = s.length;
            return (n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) * 1e3;
        }

        double computeMs() {
            return mean(compute) * 1e3;
        }

        double gatherMs() {
            return mean(gather) * 1e3;
        }

        double reduceMs() {
            return mean(reduce) * 1e3;
        }

        double exchangeMs() {
            return gatherMs() + reduceMs();
        }

        double cpuMs() {
            return mean(cpu) * 1e3;
        }

        private static double mean(double[] values) {
            return Arrays.stream(values).average().orElse(Double.NaN);
        }
    }

    /**
     * The two gangs' steps.
     *
     * @param parameters the model's trainable values, so the gradient all-reduced per step is 4 bytes each
     * @param threads PyTorch's intra-op threads in each worker
     */
    record TrainingFigures(int batch, int warmup, long parameters, int threads, GangSteps one, GangSteps two) {
        /** Mean step time of the gang of two over the gang of one's, less 1: 0 means no overhead. */
        double overhead() {
            return two.stepMs() / one.stepMs() - 1;
        }

        /** As {@link #overhead()}, from the median steps: less moved by a few steps that other load slowed. */
        double medianOverhead() {
            return two.medianStepMs() / one.medianStepMs() - 1;
        }

        /** Compute time per step of a worker of the gang of two over the worker of the gang of one: 1 means no contention. */
        double computeRatio() {
            return two.computeMs() / one.computeMs();
        }

        /** The part of {@link #overhead()} that is the slower compute, as a share of the gang of one's step. */
        double computeShare() {
            return (two.computeMs() - one.computeMs()) / one.stepMs();
        }

        /** The part of {@link #overhead()} spent in exchange calls (beyond the gang of one's), as a share of its step. */
        double exchangeShare() {
            return (two.exchangeMs() - one.exchangeMs()) / one.stepMs();
        }
    }

    /** What a worker loaded: the model's trainable values and PyTorch's intra-op threads. */
    private record Loaded(long parameters, int threads) {}

    /**
     * Starts the two gangs, takes {@code warmup} untimed rounds and then {@code steps} timed ones.
     *
     * @param threads PyTorch's intra-op threads per worker; 0 leaves PyTorch's default (one per core)
     */
    static TrainingFigures measure(int batch, int warmup, int steps, int threads, Path scratch)
            throws IOException, InterruptedException {
        Path model = StarterModel.extractTo(scratch.resolve("model"));
        List<String> args = List.of(model.toString(), String.valueOf(batch), String.valueOf(threads));
        String id = "bench-train-" + ProcessHandle.current().pid();
        Path oneLogs = Files.createDirectories(scratch.resolve("gang1"));
        Path twoLogs = Files.createDirectories(scratch.resolve("gang2"));
        GangSteps one = GangSteps.of(1, steps);
        GangSteps two = GangSteps.of(2, steps);
        try (LocalGang gang1 = LocalGang.start(id + "-1", 1, "512m", TrainWorker.class, args, oneLogs);
                LocalGang gang2 = LocalGang.start(id + "-2", 2, "512m", TrainWorker.class, args, twoLogs)) {
            Loaded loaded = ready(gang1);
            if (!ready(gang2).equals(loaded)) {
                throw new IllegalStateException("the gangs' workers differ in model size or threads");
            }
            for (int round = 0; round < warmup + steps; round++) {
                int timed = round - warmup;
                if (round % 2 == 0) {
                    step(gang1, one, timed);
                    step(gang2, two, timed);
                } else {
                    step(gang2, two, timed);
                    step(gang1, one, timed);
                }
            }
            for (LocalGang gang : List.of(gang1, gang2)) {
                gang.command("end");
                for (String reply : gang.replies(REPLY_TIMEOUT)) {
                    if (!reply.equals("checked")) {
                        throw new IllegalStateException("a training worker said '" + reply + "' instead of 'checked'");
                    }
                }
                gang.awaitExit(Duration.ofMinutes(1));
            }
            return new TrainingFigures(batch, warmup, loaded.parameters(), loaded.threads(), one, two);
        }
    }

    private static Loaded ready(LocalGang gang) throws InterruptedException {
        Loaded loaded = null;
        for (String reply : gang.replies(REPLY_TIMEOUT)) {
            String[] f = reply.split(" ");
            if (f.length != 3 || !f[0].equals("ready")) {
                throw new IllegalStateException("a training worker said '" + reply + "' instead of 'ready PARAMETERS THREADS'");
            }
            Loaded member = new Loaded(Long.parseLong(f[1]), Integer.parseInt(f[2]));
            if (loaded != null && !loaded.equals(member)) {
                throw new IllegalStateException("the workers of a gang differ in model size or threads: " + loaded + ", " + member);
            }
            loaded = member;
        }
        return loaded;
    }

    /** One step of {@code gang}, recorded as timed step {@code index} unless that is negative (a warm-up step). */
    private static void step(LocalGang gang, GangSteps into, int index) throws IOException, InterruptedException {
        gang.command("step");
        List<String> replies = gang.replies(REPLY_TIMEOUT);
        double slowest = 0;
        double compute = 0;
        double gather = 0;
        double reduce = 0;
        double cpu = 0;
        for (String reply : replies) {
            String[] f = reply.split(" ");
            if (f.length != 5 || !f[0].equals("stepped")) {
                throw new IllegalStateException("a training worker said '" + reply
                        + "' instead of 'stepped STEP_NANOS GATHER_NANOS REDUCE_NANOS CPU_NANOS'");
            }
            double s = Long.parseLong(f[1]) / 1e9;
            double g = Long.parseLong(f[2]) / 1e9;
            double r = Long.parseLong(f[3]) / 1e9;
            slowest = Math.max(slowest, s);
            compute += s - g - r;
            gather += g;
            reduce += r;
            cpu += Long.parseLong(f[4]) / 1e9;
        }
        if (index >= 0) {
            int n = replies.size();
            into.step()[index] = slowest;
            into.compute()[index] = compute / n;
            into.gather()[index] = gather / n;
            into.reduce()[index] = reduce / n;
            into.cpu()[index] = cpu / n;
        }
    }

    /** The readable section. */
    static void print(PrintWriter out, TrainingFigures f) {
        int cores = Runtime.getRuntime().availableProcessors();
        out.println();
        out.printf(Locale.ROOT, "data-parallel training step (mean) of the starter model (%,d parameters: %s of gradients "
                + "all-reduced per step) on the CPU; %d pairs per worker; PyTorch intra-op threads per worker: %d; a gang of 1 "
                + "worker process vs a gang of 2 on loopback, both running; %d timed rounds after %d warm-up, each one "
                + "step of each gang, which goes first alternating; %d cores%n", f.parameters(),
                ByteSizes.format(f.parameters() * 4), f.batch(), f.threads(), f.one().step().length, f.warmup(), cores);
        out.printf("%-34s %9s %9s %10s %11s %9s %9s %9s%n", "gang", "step ms", "median ms", "compute ms", "exchange ms",
                "gather", "reduce", "CPU ms");
        row(out, f.one(), f.batch());
        row(out, f.two(), f.batch());
        out.printf(Locale.ROOT, "gang2_step_overhead = gang 2 step / gang 1 step - 1 = %.3f: compute %+.3f, exchange %+.3f "
                + "(each as a share of gang 1's step); from the medians: %.3f%n", f.overhead(), f.computeShare(),
                f.exchangeShare(), f.medianOverhead());
        out.printf(Locale.ROOT, "gang2_compute_ratio = compute per step of a gang 2 worker / of the gang 1 worker = %.3f "
                + "(1: a worker computes as fast beside another as alone)%n", f.computeRatio());
        out.println("step: the slowest member's; compute: the step outside exchange calls (forward, backward, copying "
                + "gradients, update); exchange: in the all-gather (embeddings) and all-reduce (gradients) calls, which "
                + "includes waiting for the other member; CPU ms: the worker process's CPU time over its step, all "
                + "threads (a step well above it waited, for a core or for the other member); means over members");
        int threads = f.threads() * 2;
        out.printf(Locale.ROOT, "contention: gang 2's workers run %d PyTorch threads between them on this machine's %d cores%s, "
                + "gang 1's worker %d; so gang 2's workers compete for the cores (with each other, with their exchange "
                + "threads and with any other load) and for memory bandwidth, and the overhead includes that contention, "
                + "not only communication; gang2_compute_ratio says how much: the same compute per worker, beside another "
                + "worker vs alone%n", threads, cores, threads > cores ? " (more threads than cores)" : "", f.threads());
    }

    private static void row(PrintWriter out, GangSteps g, int batch) {
        String name = g.processes() + (g.processes() == 1 ? " process" : " processes") + ", global batch " + g.processes() * batch;
        out.printf(Locale.ROOT, "%-34s %9.1f %9.1f %10.1f %11.1f %9.1f %9.1f %9.1f%n", name, g.stepMs(), g.medianStepMs(),
                g.computeMs(), g.exchangeMs(), g.gatherMs(), g.reduceMs(), g.cpuMs());
    }

    /** The training part's key=value figures. */
    static Map<String, String> figures(TrainingFigures f) {
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("gang2_step_overhead", AllReduceBenchmark.num(f.overhead(), 3));
        figures.put("gang1_step_ms", AllReduceBenchmark.num(f.one().stepMs(), 1));
        figures.put("gang2_step_ms", AllReduceBenchmark.num(f.two().stepMs(), 1));
        figures.put("gang2_compute_ratio", AllReduceBenchmark.num(f.computeRatio(), 3));
        figures.put("gang1_compute_ms", AllReduceBenchmark.num(f.one().computeMs(), 1));
        figures.put("gang2_compute_ms", AllReduceBenchmark.num(f.two().computeMs(), 1));
        figures.put("gang2_exchange_ms", AllReduceBenchmark.num(f.two().exchangeMs(), 1));
        figures.put("gang2_gather_ms", AllReduceBenchmark.num(f.two().gatherMs(), 1));
        figures.put("gang2_reduce_ms", AllReduceBenchmark.num(f.two().reduceMs(), 1));
        figures.put("gang1_cpu_ms", AllReduceBenchmark.num(f.one().cpuMs(), 1));
        figures.put("gang2_cpu_ms", AllReduceBenchmark.num(f.two().cpuMs(), 1));
        figures.put("train_batch", String.valueOf(f.batch()));
        figures.put("train_steps", String.valueOf(f.one().step().length));
        figures.put("train_threads", String.valueOf(f.threads()));
        return figures;
    }
}
