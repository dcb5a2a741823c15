package io.embedflow.orchestrator.train;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.djl.collective.Collective;
import io.embedflow.djl.collective.CollectiveOptions;
import io.embedflow.djl.collective.GangMember;
import io.embedflow.djl.collective.RingAllReduce;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.train.CollectiveExchange;
import io.embedflow.djl.train.ContrastiveOptions;
import io.embedflow.djl.train.ContrastiveTrainer;
import io.embedflow.djl.train.TrainingPair;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.gang.GangRequest;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One member of a training gang ({@code embedflow gang-worker PLAN}): joins the gang's collective
 * at the coordinator its launcher named, resumes from the newest checkpoint in the object store if
 * there is one (downloading it unless it is here already), and takes the plan's steps on its shard of
 * each global batch. Rank 0 writes the progress, the checkpoints (locally, then uploaded with
 * {@link CheckpointStore}) and, at the end, the trained model; every member exits 0 only after the whole gang
 * finished. A member that cannot reach the others fails, and so does the attempt.
 */
public final class TrainWorker {
    /** Testing only: the member of this rank never joins the gang (it sleeps until it is stopped). */
    static final String NEVER_JOIN_ENV = "EMBEDFLOW_TESTING_NEVER_JOIN_RANK";
    /** How long members wait for each other to join; also the step timeout's floor. */
    static final String JOIN_TIMEOUT_ENV = "EMBEDFLOW_GANG_JOIN_TIMEOUT_SECONDS";

    private TrainWorker() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: TrainWorker PLAN.json");
            System.exit(2);
        }
        try {
            run(TrainPlan.read(Path.of(args[0])), System.getenv());
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    static void run(TrainPlan plan, Map<String, String> env) throws InterruptedException {
        GangMember fromEnv = GangMember.fromEnvironment(env);
        String attempt = env.getOrDefault(GangRequest.ATTEMPT_ENV, "0");
        // members of an earlier attempt that linger must not join this one
        GangMember member = new GangMember(fromEnv.rank(), fromEnv.worldSize(), fromEnv.coordinator(),
                fromEnv.gangId() + "-a" + attempt);
        if (Integer.toString(member.rank()).equals(env.get(NEVER_JOIN_ENV))) {
            Thread.sleep(Long.MAX_VALUE);
        }
        Duration join = Duration.ofSeconds(Long.parseLong(env.getOrDefault(JOIN_TIMEOUT_ENV, "120")));
        CollectiveOptions options = CollectiveOptions.builder().optJoinTimeout(join)
                .optStepTimeout(join.compareTo(Duration.ofMinutes(5)) > 0 ? join : Duration.ofMinutes(5)).build();
        PairSet pairs = PairSet.read(Path.of(plan.pairs()), plan.queryColumn(), plan.positiveColumn(),
                plan.negativeColumn(), plan.heldOutPercent());
        int perWorker = plan.globalBatch() / member.worldSize();
        List<DeviceRequest> devices = new ArrayList<>();
        for (int i = 0; i < plan.devicesPerWorker(); i++) {
            devices.add(DeviceRequest.parse(plan.device().equals("gpu") ? "gpu:" + i : "cpu"));
        }
        ContrastiveOptions trainOptions = new ContrastiveOptions(plan.learningRate(), plan.temperature(),
                plan.weightDecay(), 0.9f, 0.999f, 1e-8f);
        Path checkpoints = Path.of(plan.checkpoints()).resolve("rank-" + member.rank());
        try (ObjectStore objects = ObjectStores.open(plan.store(), S3Settings.fromEnvironment());
                Collective collective = RingAllReduce.join(member, options)) {
            CheckpointStore store = new CheckpointStore(objects, plan.runId());
            Optional<Path> newest = store.newest().map(step -> {
                Path local = checkpoints.resolve(CheckpointStore.name(step));
                return Files.isDirectory(local) ? local : store.download(step, createParent(local));
            });
            train(plan, member, attempt, pairs, perWorker, devices, trainOptions, collective, store, checkpoints, newest);
        }
    }

    private static Path createParent(Path dir) {
        try {
            Files.createDirectories(dir.getParent());
            return dir;
        } catch (IOException e) {
            throw new OrchestratorException("cannot create " + dir.getParent() + ": " + e.getMessage(), e);
        }
    }

    private static void train(TrainPlan plan, GangMember member, String attempt, PairSet pairs, int perWorker,
            List<DeviceRequest> devices, ContrastiveOptions trainOptions, Collective collective, CheckpointStore store,
            Path checkpoints, Optional<Path> newest) {
        try (ContrastiveTrainer trainer = newest.isPresent()
                ? ContrastiveTrainer.resume(newest.get(), devices, trainOptions, new CollectiveExchange(collective))
                : ContrastiveTrainer.load(ModelDirectory.open(Path.of(plan.baseModel())), devices, trainOptions,
                        new CollectiveExchange(collective))) {
            boolean lead = member.rank() == 0;
            if (lead) {
                progress(plan, String.format(Locale.ROOT, "{\"event\":\"start\",\"attempt\":%s,\"step\":%d,\"pid\":%d}",
                        attempt, trainer.step(), ProcessHandle.current().pid()));
            }
            for (long step = trainer.step(); step < plan.steps(); step++) {
                List<TrainingPair> batch = pairs.batch(step, plan.globalBatch());
                float loss = trainer.step(batch.subList(member.rank() * perWorker, (member.rank() + 1) * perWorker));
                long done = step + 1;
                if (lead) {
                    progress(plan, String.format(Locale.ROOT, "{\"event\":\"step\",\"attempt\":%s,\"step\":%d,\"loss\":%.6f}",
                            attempt, done, loss));
                    if (plan.checkpointEvery() > 0 && done % plan.checkpointEvery() == 0 && done < plan.steps()) {
                        Path target = checkpoints.resolve(CheckpointStore.name(done));
                        if (!Files.exists(target)) {
                            trainer.saveCheckpoint(createParent(target), done * plan.globalBatch());
                        }
                        store.upload(target, done);
                        progress(plan, String.format(Locale.ROOT, "{\"event\":\"checkpoint\",\"attempt\":%s,\"step\":%d}",
                                attempt, done));
                    }
                }
            }
            if (lead && !Files.exists(Path.of(plan.output()))) {
                trainer.exportModel(Path.of(plan.output()));
            }
            collective.barrier();   // nobody leaves before the model is written
        }
    }

    private static void progress(TrainPlan plan, String line) {
        try (Writer out = Files.newBufferedWriter(Path.of(plan.progress()), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            out.write(line);
            out.write('\n');
        } catch (IOException e) {
            throw new OrchestratorException("cannot write progress to " + plan.progress() + ": " + e.getMessage(), e);
        }
    }
}
