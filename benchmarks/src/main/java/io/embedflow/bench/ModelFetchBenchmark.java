package io.embedflow.bench;

import io.embedflow.bench.S3Reads.Measured;
import io.embedflow.connectors.s3.S3Clients;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.s3.S3Uri;
import io.embedflow.connectors.snapshot.SnapshotCache;
import io.embedflow.connectors.snapshot.SnapshotFile;
import io.embedflow.connectors.store.S3ObjectStore;
import io.embedflow.orchestrator.registry.SnapshotStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * {@code embedflow bench model-fetch}: how fast a task manager gets a model snapshot from the registry's S3
 * store into its cache ({@code SnapshotCache.fetch}: many ranged GETs at once, then every file's SHA-256),
 * against (a) one {@code GetObject} after another streamed to files, (b) the store's own download of one object
 * after another (what the cache did before it fetched in parallel) and (c) {@code aws s3 cp --recursive} of the
 * snapshot's blobs. S3Proxy runs in a JVM of its own on loopback, its objects in a scratch directory.
 */
@Command(name = "model-fetch", mixinStandardHelpOptions = true,
        description = "Model snapshot from an S3 store into a worker's cache vs sequential GETs and aws s3 cp.")
public final class ModelFetchBenchmark implements Callable<Integer> {
    private static final String IDENTITY = "embedflow-bench";
    private static final String CREDENTIAL = "embedflow-bench-credential";
    private static final String BUCKET = "embedflow-bench";
    private static final int COPY_BUFFER = 1 << 20;

    @Spec
    CommandSpec spec;

    @Mixin
    S3ServerOptions s3proxy = new S3ServerOptions();

    @Option(names = "--weights", defaultValue = "512m", converter = ByteSizes.class,
            description = "Size of the model's weights file (default: ${DEFAULT-VALUE}).")
    long weights;

    @Option(names = "--shards", defaultValue = "1",
            description = "Weights split into this many files, as large checkpoints are (default: ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--link-mbps", defaultValue = "0", paramLabel = "MBIT",
            description = "Cap each connection's downloads at this many Mbit/s, as one connection to S3 is slower than "
                    + "loopback (0: no cap; default: ${DEFAULT-VALUE}).")
    long linkMbps;

    @Option(names = "--repeat", defaultValue = "3", description = "Measured runs of each method; the best counts "
            + "(default: ${DEFAULT-VALUE}).")
    int repeat;

    @Override
    public Integer call() throws Exception {
        if (weights < shards || shards < 1 || repeat < 1 || linkMbps < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--weights must hold --shards (at least "
                    + "1) files, --repeat must be at least 1 and --link-mbps 0 or more");
        }
        Path scratch = ScratchDirs.create(s3proxy.dir, "embedflow-bench-model-fetch-");
        try {
            return run(scratch);
        } finally {
            ScratchDirs.delete(scratch);
        }
    }

    private int run(Path scratch) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<DebianAwsCli> awscli = Optional.empty();
        List<String> awscliMissing = new ArrayList<>();
        if (s3proxy.noAwscli) {
            awscliMissing.add("skipped (--no-awscli)");
        } else {
            awscli = DebianAwsCli.locate(scratch, awscliMissing, err);
        }
        Path model = generate(scratch.resolve("model"));
        try (S3ProxyProcess server = S3ProxyProcess.start(s3proxy.serverJar(), scratch.resolve("s3proxy-data"), scratch,
                IDENTITY, CREDENTIAL, s3proxy.serverHeap);
                ThrottledProxy link = linkMbps > 0 ? ThrottledProxy.start(server.endpoint(), linkMbps * 1_000_000 / 8) : null) {
            java.net.URI endpoint = link != null ? link.endpoint() : server.endpoint();
            S3Settings settings = S3Settings.defaults().withEndpoint(endpoint).withPathStyle(true)
                    .withRegion("us-east-1").withMaxConnections(64);
            StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(IDENTITY, CREDENTIAL));
            try (S3Client client = S3Clients.create(settings, credentials)) {
                client.createBucket(b -> b.bucket(BUCKET));
                S3ObjectStore objects = new S3ObjectStore(client, S3Uri.parse("s3://" + BUCKET + "/store/"));
                SnapshotStore store = new SnapshotStore("s3://" + BUCKET + "/store/", objects, scratch.resolve("home-cache"),
                        Clock.systemUTC());
                long t0 = System.nanoTime();
                String id = store.importDirectory(model).snapshot().id();
                List<SnapshotFile> files = store.manifest(id).orElseThrow();
                long bytes = files.stream().mapToLong(SnapshotFile::size).sum();
                err.printf("bench model-fetch: snapshot %s (%d files, %s) imported in %.1f s (not measured)%n",
                        id.substring(0, 12), files.size(), ByteSizes.format(bytes), (System.nanoTime() - t0) / 1e9);

                long pid = server.pid();
                // warm-up: the server's page cache, the connections, the code paths
                Path out1 = scratch.resolve("out");
                fetch(objects, id, out1);
                ScratchDirs.delete(out1);
                sequential(client, files, out1);
                ScratchDirs.delete(out1);

                List<Row> rows = new ArrayList<>();
                rows.add(best("(a) GetObject one after another", files.size(), pid, out1,
                        dest -> sequential(client, files, dest)));
                rows.add(best("(b) store download one after another", files.size(), pid, out1,
                        dest -> storeDownloads(objects, files, dest)));
                if (awscli.isPresent()) {
                    DebianAwsCli aws = awscli.get();
                    rows.add(best("(c) aws s3 cp --recursive", files.size(), pid, out1, dest -> {
                        aws.copyRecursive(endpoint, BUCKET, "store/" + SnapshotCache.BLOBS, dest, IDENTITY,
                                CREDENTIAL, scratch);
                        return treeBytes(dest);
                    }));
                }
                Row fetched = best("SnapshotCache.fetch (parallel + SHA-256)", files.size(), pid, out1,
                        dest -> fetch(objects, id, dest));
                rows.add(fetched);
                print(out, rows, bytes, files.size(), awscli.isPresent() ? null : String.join("; ", awscliMissing),
                        linkMbps);
            }
        }
        return 0;
    }

    /** A generated model: {@code --shards} weights files, a tokenizer and its settings, random bytes. */
    private Path generate(Path model) throws IOException {
        Files.createDirectories(model);
        Random random = new Random(11);
        byte[] chunk = new byte[COPY_BUFFER];
        long perShard = weights / shards;
        for (int s = 0; s < shards; s++) {
            long size = s == shards - 1 ? weights - perShard * (shards - 1) : perShard;
            String name = shards == 1 ? "model.pt" : String.format(Locale.ROOT, "model-%05d-of-%05d.pt", s + 1, shards);
            try (OutputStream o = Files.newOutputStream(model.resolve(name))) {
                for (long written = 0; written < size; written += chunk.length) {
                    random.nextBytes(chunk);
                    o.write(chunk, 0, (int) Math.min(chunk.length, size - written));
                }
            }
        }
        byte[] tokenizer = new byte[2 << 20];
        random.nextBytes(tokenizer);
        Files.write(model.resolve("tokenizer.json"), tokenizer);
        Files.writeString(model.resolve("serving.properties"), "pooling=mean\nnormalize=true\nmaxLength=128\n");
        return model;
    }

    private static long fetch(S3ObjectStore objects, String id, Path cache) {
        Path dir = new SnapshotCache(objects, cache).fetch(id);
        return treeBytes(dir);
    }

    /** (a): each blob with one {@code GetObject}, streamed into its file. */
    private static long sequential(S3Client client, List<SnapshotFile> files, Path dest) throws IOException {
        long bytes = 0;
        for (SnapshotFile file : files) {
            Path target = dest.resolve(file.path());
            Files.createDirectories(target.getParent());
            try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket(BUCKET)
                    .key("store/" + SnapshotCache.blobKey(file.sha256())));
                    OutputStream o = Files.newOutputStream(target)) {
                bytes += in.transferTo(o);
            }
        }
        return bytes;
    }

    /** (b): {@code ObjectStore.download} of each blob (ranged GETs of 32 MiB, one after another). */
    private static long storeDownloads(S3ObjectStore objects, List<SnapshotFile> files, Path dest) {
        long bytes = 0;
        for (SnapshotFile file : files) {
            Path target = dest.resolve(file.path());
            objects.download(SnapshotCache.blobKey(file.sha256()), target);
            bytes += file.size();
        }
        return bytes;
    }

    private static long treeBytes(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            long bytes = 0;
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(p);
            }
            return bytes;
        } catch (IOException e) {
            throw new IllegalStateException("cannot measure " + dir + ": " + e.getMessage(), e);
        }
    }

    private interface Run {
        /** Brings the snapshot's files into {@code dest}; returns their bytes. */
        long bytes(Path dest) throws Exception;
    }

    private record Row(String method, Measured best) {}

    /** The fastest of {@code --repeat} runs into {@code dest}, emptied after each. */
    private Row best(String method, int objects, long serverPid, Path dest, Run run) throws Exception {
        Measured best = null;
        for (int i = 0; i < repeat; i++) {
            CpuTimes.Snapshot before = CpuTimes.take(serverPid);
            long start = System.nanoTime();
            long bytes = run.bytes(dest);
            long nanos = System.nanoTime() - start;
            ScratchDirs.delete(dest);
            Measured m = new Measured(bytes, objects, nanos).withCpu(CpuTimes.take(serverPid).since(before));
            if (best == null || m.nanos() < best.nanos()) {
                best = m;
            }
        }
        return new Row(method, best);
    }

    private static void print(PrintWriter out, List<Row> rows, long bytes, int files, String awscliMissing,
            long linkMbps) {
        out.printf("model snapshot: %d files, %s; best of the runs; S3Proxy on loopback%s%n", files,
                ByteSizes.format(bytes), linkMbps > 0 ? ", each connection capped at " + linkMbps + " Mbit/s" : "");
        out.printf("%-44s %9s %9s %11s %11s%n", "method", "seconds", "GB/s", "client cpu", "server cpu");
        for (Row row : rows) {
            out.printf(Locale.ROOT, "%-44s %9.2f %9.3f %10.1fs %10.1fs%n", row.method(), row.best().seconds(),
                    row.best().gbps(), row.best().cpu().clientNanos() / 1e9, row.best().cpu().serverNanos() / 1e9);
            if (row.best().bytes() != bytes) {
                throw new IllegalStateException(row.method() + " brought " + row.best().bytes() + " bytes of " + bytes);
            }
        }
        if (awscliMissing != null) {
            out.println("(c) aws s3 cp: n/a (" + awscliMissing + ")");
        }
        Measured fetch = rows.get(rows.size() - 1).best();
        Measured sequential = rows.get(0).best();
        Measured store = rows.get(1).best();
        StringBuilder last = new StringBuilder(String.format(Locale.ROOT,
                "fetch_gbps=%.3f sequential_gbps=%.3f fetch_vs_sequential=%.3f fetch_vs_store_download=%.3f",
                fetch.gbps(), sequential.gbps(), fetch.gbps() / sequential.gbps(), fetch.gbps() / store.gbps()));
        last.append(rows.size() == 4
                ? String.format(Locale.ROOT, " fetch_vs_awscli=%.3f", fetch.gbps() / rows.get(2).best().gbps())
                : " fetch_vs_awscli=n/a");
        last.append(" bytes=").append(bytes).append(" files=").append(files).append(" link_mbps=").append(linkMbps);
        out.println(last);
    }

}
