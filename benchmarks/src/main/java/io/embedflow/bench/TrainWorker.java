package io.embedflow.bench;

import ai.djl.pytorch.jni.JniUtils;
import io.embedflow.djl.collective.Collective;
import io.embedflow.djl.collective.CollectiveOptions;
import io.embedflow.djl.collective.GangMember;
import io.embedflow.djl.collective.RingAllReduce;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.train.CollectiveExchange;
import io.embedflow.djl.train.ContrastiveOptions;
import io.embedflow.djl.train.ContrastiveTrainer;
import io.embedflow.djl.train.GradientExchange;
import io.embedflow.djl.train.TrainingPair;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One worker process of {@code bench allreduce}'s training part: a member of the gang its
 * {@code EMBEDFLOW_GANG_*} variables name (a gang of one trains alone; a larger gang joins the ring
 * all-reduce), with a {@link ContrastiveTrainer} on the CPU. It says {@code ready PARAMETERS THREADS}
 * (PyTorch's intra-op threads); then, for
 * each {@code step} line on stdin, waits at a barrier with the other members, takes one training step
 * on its own shard of generated pairs and says
 * {@code stepped STEP_NANOS GATHER_NANOS REDUCE_NANOS CPU_NANOS}: the step's wall time, the time in the
 * exchange's all-gather and all-reduce calls within it, and the CPU time of the whole process over
 * it. On {@code end}, says {@code checked} if every member holds the same parameters, and exits.
 *
 * <p>Arguments: the model directory, pairs per step, PyTorch's intra-op threads (0: PyTorch's default,
 * one per core).
 */
public final class TrainWorker {
    private static final String[] WORDS = ("river city data table model vector search query user order product price "
            + "customer market garden window music travel coffee mountain").split(" ");

    private TrainWorker() {}

    public static void main(String[] args) throws IOException {
        ModelDirectory model = ModelDirectory.open(Path.of(args[0]));
        int batch = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        if (threads > 0) {
            // read once, when the engine starts
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        }
        GangMember member = GangMember.fromEnvironment();
        CollectiveOptions options = CollectiveOptions.builder().optJoinTimeout(Duration.ofMinutes(2))
                .optStepTimeout(Duration.ofMinutes(2)).build();
        var cpu = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        // a gang of one has nothing to exchange, as a single-process run has not
        try (Collective gang = member.worldSize() > 1 ? RingAllReduce.join(member, options) : null) {
            TimedExchange exchange = new TimedExchange(gang == null ? GradientExchange.single() : new CollectiveExchange(gang));
            try (ContrastiveTrainer trainer = ContrastiveTrainer.load(model, List.of(DeviceRequest.CPU),
                    ContrastiveOptions.DEFAULT, exchange)) {
                System.out.println("ready " + trainer.parameterCount() + " " + JniUtils.getNumThreads());
                System.out.flush();
                for (String command = commands.readLine(); !"end".equals(command); command = commands.readLine()) {
                    if (!"step".equals(command)) {
                        System.err.println("unexpected command: " + command);
                        System.exit(2);
                    }
                    List<TrainingPair> shard = pairs(batch, trainer.step() * member.worldSize() + member.rank());
                    if (gang != null) {
                        gang.barrier();
                    }
                    exchange.reset();
                    long cpu0 = cpu.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    trainer.step(shard);
                    long stepNanos = System.nanoTime() - t0;
                    long cpuNanos = cpu.getProcessCpuTime() - cpu0;
                    System.out.println("stepped " + stepNanos + " " + exchange.gatherNanos() + " " + exchange.reduceNanos()
                            + " " + cpuNanos);
                    System.out.flush();
                }
                if (gang != null) {
                    checkSameParameters(gang, trainer.parameters());
                }
            }
        }
        System.out.println("checked");
    }

    /** Every member applied the same summed gradients to the same weights, so their parameters are equal to the bit. */
    private static void checkSameParameters(Collective gang, float[] mine) {
        float[] all = gang.allGather(mine);
        for (int rank = 0; rank < gang.member().worldSize(); rank++) {
            if (!Arrays.equals(all, rank * mine.length, (rank + 1) * mine.length, mine, 0, mine.length)) {
                System.err.println("rank " + gang.member().rank() + "'s parameters differ from rank " + rank + "'s");
                System.exit(3);
            }
        }
    }

    /** Query-positive pairs of a few words each, the positive sharing the query's words; the same for the same seed. */
    static List<TrainingPair> pairs(int n, long seed) {
        Random random = new Random(seed);
        List<TrainingPair> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String a = WORDS[random.nextInt(WORDS.length)];
            String b = WORDS[random.nextInt(WORDS.length)];
            String c = WORDS[random.nextInt(WORDS.length)];
            out.add(new TrainingPair(a + " " + b, "the " + b + " and " + a + " " + c));
        }
        return out;
    }
}
