package io.embedflow.bench;

import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.registry.ModelRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code embedflow bench import}: imports a generated model of {@code --size-mb} twice, the
 * second time with one small file changed, and compares each import with a plain copy of the
 * directory (the baseline a snapshot store must not fall far behind).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Model import into the snapshot store (twice, one file changed) vs a plain directory copy.")
public final class ImportBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size-mb", defaultValue = "50", description = "Model size in MiB (default: ${DEFAULT-VALUE}).")
    int sizeMb;

    @Option(names = "--into", paramLabel = "DIR|s3://BUCKET/PREFIX", description = "Snapshot store to import into (default: a temp dir).")
    String store;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("embedflow-bench-import-");
        Path model = work.resolve("model");
        Files.createDirectories(model);
        Random random = new Random(3);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream weights = Files.newOutputStream(model.resolve("model.pt"))) {
            for (int i = 0; i < sizeMb - 1; i++) {
                random.nextBytes(chunk);
                weights.write(chunk);
            }
        }
        random.nextBytes(chunk);
        Files.write(model.resolve("tokenizer.json"), chunk);
        Files.writeString(model.resolve("serving.properties"), "pooling=mean\nnormalize=true\nmaxLength=128\n");

        long t0 = System.nanoTime();
        copyTree(model, work.resolve("copy"));
        double copySeconds = (System.nanoTime() - t0) / 1e9;

        try (EmbedflowHome home = EmbedflowHome.open(work.resolve("home"), null,
                store != null ? store : work.resolve("home/store").toString())) {
            Path warmup = work.resolve("warmup");
            Files.createDirectories(warmup);
            Files.writeString(warmup.resolve("model.pt"), "warm-up");
            home.registry().importFrom(warmup.toString(), "warmup", home.sources(), dir -> { });
            long t1 = System.nanoTime();
            ModelRegistry.Imported first = home.registry().importFrom(model.toString(), "bench", home.sources(), dir -> { });
            double firstSeconds = (System.nanoTime() - t1) / 1e9;
            Files.writeString(model.resolve("serving.properties"), "pooling=cls\nnormalize=true\nmaxLength=128\n");
            long t2 = System.nanoTime();
            ModelRegistry.Imported second = home.registry().importFrom(model.toString(), "bench", home.sources(), dir -> { });
            double secondSeconds = (System.nanoTime() - t2) / 1e9;

            double mb = first.result().bytes() / 1048576.0;
            out.printf("%-40s %10s %10s %12s %10s%n", "step", "seconds", "MiB/s", "stored MiB", "dedupe");
            out.printf("%-40s %10.2f %10.0f %12s %10s%n", "(baseline) copy directory", copySeconds, mb / copySeconds, "-", "-");
            out.printf("%-40s %10.2f %10.0f %12.1f %9.1f%%%n", "import " + first.version().ref(), firstSeconds,
                    mb / firstSeconds, first.result().bytesStored() / 1048576.0, 100 * first.result().dedupeRatio());
            out.printf("%-40s %10.2f %10.0f %12.1f %9.1f%%%n", "import " + second.version().ref() + " (1 file changed)",
                    secondSeconds, mb / secondSeconds, second.result().bytesStored() / 1048576.0,
                    100 * second.result().dedupeRatio());
            out.printf("store=%s%n", home.snapshots().describe());
            out.printf("model_mb=%.1f copy_s=%.3f first_import_s=%.3f second_import_s=%.3f dedupe_ratio=%.4f "
                    + "first_vs_copy=%.2f second_vs_copy=%.2f%n", mb, copySeconds, firstSeconds, secondSeconds,
                    second.result().dedupeRatio(), firstSeconds / copySeconds, secondSeconds / copySeconds);
        } finally {
            deleteTree(work);
        }
        return 0;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
