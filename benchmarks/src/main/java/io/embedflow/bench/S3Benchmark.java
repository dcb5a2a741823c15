package io.embedflow.bench;

import io.embedflow.bench.S3Reads.Measured;
import io.embedflow.connectors.prefetch.PrefetchOptions;
import io.embedflow.connectors.s3.S3Clients;
import io.embedflow.connectors.s3.S3Settings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code embedflow bench s3}: S3Proxy in a process of its own on loopback serves two generated
 * object sets (few large objects, many small ones), and each set is read, in one run, by (a) a naive
 * sequential {@code GetObject} loop, (b) Debian's {@code aws s3 cp --recursive} with its default
 * settings, (c) {@link io.embedflow.connectors.prefetch.S3Prefetcher} with a consumer that reads
 * every byte, and (d) the raw ceilings: parallel whole-object GETs that do nothing with the bytes
 * (async and sync clients; the faster counts), and the same files read from local disk.
 */
@Command(name = "s3", mixinStandardHelpOptions = true,
        description = "S3 reads on a loopback S3Proxy: naive loop, aws s3 cp, the prefetcher, raw parallel GETs, local disk.")
public final class S3Benchmark implements Callable<Integer> {
    private static final String IDENTITY = "embedflow-bench";
    private static final String CREDENTIAL = "embedflow-bench-credential";
    private static final String BUCKET = "embedflow-bench";

    @Spec
    CommandSpec spec;

    @Option(names = "--large-total", defaultValue = "1g", converter = ByteSizes.class,
            description = "Bytes in the set of large objects (default: ${DEFAULT-VALUE}).")
    long largeTotal;

    @Option(names = "--large-object", defaultValue = "64m", converter = ByteSizes.class,
            description = "Size of each large object (default: ${DEFAULT-VALUE}).")
    long largeObject;

    @Option(names = "--small-total", defaultValue = "256m", converter = ByteSizes.class,
            description = "Bytes in the set of small objects (default: ${DEFAULT-VALUE}).")
    long smallTotal;

    @Option(names = "--small-object", defaultValue = "1m", converter = ByteSizes.class,
            description = "Size of each small object (default: ${DEFAULT-VALUE}).")
    long smallObject;

    @Option(names = "--concurrency", description = "Requests in flight for the prefetcher, the ceiling's GETs and "
            + "threads reading local files (default: the prefetcher's default).")
    Integer concurrency;

    @Option(names = "--budget", converter = ByteSizes.class,
            description = "The prefetcher's byte budget (default: the prefetcher's default).")
    Long budget;

    @Option(names = "--part-size", converter = ByteSizes.class,
            description = "The prefetcher's part size (default: the prefetcher's default).")
    Long partSize;

    @Option(names = "--async-client", defaultValue = "AUTO",
            description = "Async S3 client for the prefetcher and the async ceiling: ${COMPLETION-CANDIDATES} "
                    + "(default: ${DEFAULT-VALUE}).")
    S3Settings.AsyncClient asyncClient;

    /** Which client the prefetcher fetches with. */
    enum PrefetchClient {
        /** The blocking client (Apache HttpClient 5) on a pool of one thread per request in flight. */
        BLOCKING,
        /** The async client chosen by --async-client. */
        ASYNC
    }

    @Option(names = "--prefetch-client", defaultValue = "BLOCKING",
            description = "Client of (c), the prefetcher: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    PrefetchClient prefetchClient;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the scratch directory goes, deleted at the end (default: the system temp dir).")
    Path dir;

    @Option(names = "--no-awscli", description = "Skip (b), aws s3 cp; never installs awscli.")
    boolean noAwscli;

    @Option(names = "--s3proxy-jar", paramLabel = "JAR",
            description = "S3Proxy's jar-with-dependencies (default: s3proxy.jar beside the benchmarks jar).")
    Path s3proxyJar;

    @Option(names = "--server-heap", defaultValue = "1g", description = "S3Proxy's -Xmx (default: ${DEFAULT-VALUE}).")
    String serverHeap;

    /** What runs once over each set, unmeasured, before the measurements. */
    enum WarmUp {
        /** Both ceilings: the server, the page cache, the connections and both clients' common paths. */
        CEILING,
        /** Every method but (b), so that no measured method runs code the JIT has not seen yet. */
        ALL
    }

    @Option(names = "--warm-up", defaultValue = "CEILING",
            description = "Unmeasured pass over each set first: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    WarmUp warmUp;

    @Option(names = "--seed", defaultValue = "17", description = "Seed of the generated bytes (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrefetchOptions options = prefetchOptions();
        checkSizes(options);
        Path scratch = ScratchDirs.create(dir, "embedflow-bench-s3-");
        Thread cleanup = new Thread(() -> deleteQuietly(scratch), "bench-s3-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return run(scratch, options);
        } finally {
            ScratchDirs.delete(scratch);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private int run(Path scratch, PrefetchOptions options) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int n = options.maxConcurrency();
        Optional<DebianAwsCli> awscli = Optional.empty();
        List<String> awscliMissing = new ArrayList<>();
        if (noAwscli) {
            awscliMissing.add("skipped (--no-awscli)");
        } else {
            awscli = DebianAwsCli.locate(scratch, awscliMissing, err);
            if (awscli.isEmpty()) {
                err.println("bench s3: (b) aws s3 cp is n/a: " + String.join("; ", awscliMissing));
            }
        }
        Path baseDir = scratch.resolve("s3proxy-data");
        try (S3ProxyProcess server = S3ProxyProcess.start(serverJar(), baseDir, scratch, IDENTITY, CREDENTIAL,
                serverHeap)) {
            S3Settings settings = S3Settings.defaults().withEndpoint(server.endpoint()).withPathStyle(true)
                    .withRegion("us-east-1").withMaxConnections(Math.max(64, n)).withAsyncClient(asyncClient);
            StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(IDENTITY, CREDENTIAL));
            try (S3Client sync = S3Clients.create(settings, credentials);
                    S3Client unretried = S3Clients.createUnretried(settings, credentials);
                    S3AsyncClient async = S3Clients.createAsync(settings, credentials)) {
                java.util.function.Function<S3ObjectSet, PrefetchRead.Result> prefetchSet = set -> prefetchClient
                        == PrefetchClient.BLOCKING ? PrefetchRead.run(unretried, set, options)
                        : PrefetchRead.run(async, set, options);
                sync.createBucket(b -> b.bucket(BUCKET));
                long t0 = System.nanoTime();
                List<S3ObjectSet> sets = upload(sync);
                err.printf("bench s3: generated and uploaded %s in %.1f s (not measured)%n",
                        ByteSizes.format(sets.stream().mapToLong(S3ObjectSet::totalBytes).sum()),
                        (System.nanoTime() - t0) / 1e9);
                for (S3ObjectSet set : sets) {
                    err.println("bench s3: warm-up (" + warmUp + ") over set " + set.name());
                    verify(set, "warm-up (async GETs)", S3Reads.asyncWindow(async, set, n));
                    verify(set, "warm-up (sync pool)", S3Reads.syncPool(sync, set, n));
                    if (warmUp == WarmUp.ALL) {
                        verify(set, "warm-up (naive)", S3Reads.naive(sync, set));
                        verify(set, "warm-up (prefetcher)", prefetchSet.apply(set).measured());
                        verify(set, "warm-up (local disk)", S3Reads.localFiles(baseDir.resolve(BUCKET), set, n));
                    }
                }
                S3Report report = new S3Report(S3Clients.asyncClientFor(settings).toString(),
                        prefetchClient == PrefetchClient.BLOCKING ? "blocking"
                                : S3Clients.asyncClientFor(settings).toString(), n, options, warmUp,
                        awscli, awscliMissing);
                long pid = server.pid();
                for (S3ObjectSet set : sets) {
                    err.println("bench s3: measuring set " + set.name());
                    Measured naive = measure(set, "(a) naive", pid, () -> S3Reads.naive(sync, set));
                    Optional<Measured> copied = Optional.empty();
                    if (awscli.isPresent()) {
                        DebianAwsCli aws = awscli.get();
                        Path dest = scratch.resolve("awscli-" + set.name());
                        copied = Optional.of(measure(set, "(b) aws s3 cp", pid,
                                () -> awscliCopy(aws, server, set, dest, scratch)));
                        ScratchDirs.delete(dest);
                    }
                    CpuTimes.Snapshot beforePrefetch = CpuTimes.take(pid);
                    PrefetchRead.Result prefetched = prefetchSet.apply(set);
                    Measured prefetch = verify(set, "(c) prefetcher",
                            prefetched.measured().withCpu(CpuTimes.take(pid).since(beforePrefetch)));
                    Measured asyncGets = measure(set, "(d) async GETs", pid, () -> S3Reads.asyncWindow(async, set, n));
                    Measured syncGets = measure(set, "(d) sync pool", pid, () -> S3Reads.syncPool(sync, set, n));
                    Measured local = measure(set, "(d) local disk", pid,
                            () -> S3Reads.localFiles(baseDir.resolve(BUCKET), set, n));
                    report.add(new S3Report.SetResult(set, naive, copied, prefetch, prefetched.stats(), asyncGets,
                            syncGets, local));
                }
                report.print(out, server);
            }
        }
        return 0;
    }

    private PrefetchOptions prefetchOptions() {
        PrefetchOptions options = PrefetchOptions.defaults();
        try {
            if (concurrency != null) {
                options = options.withMaxConcurrency(concurrency);
            }
            if (budget != null) {
                options = options.withByteBudget(budget);
            }
            if (partSize != null) {
                options = options.withPartSize(partSize);
            }
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e, null, null);
        }
        return options;
    }

    /** Fails before anything starts, with the offending option, where a set or the budget cannot work. */
    private void checkSizes(PrefetchOptions options) {
        String[][] sets = {{"--large-object", "--large-total"}, {"--small-object", "--small-total"}};
        long[][] sizes = {{largeObject, largeTotal}, {smallObject, smallTotal}};
        for (int i = 0; i < sets.length; i++) {
            long object = sizes[i][0];
            long total = sizes[i][1];
            if (object < 1 || object > S3ObjectSet.MAX_OBJECT_SIZE) {
                throw new ParameterException(spec.commandLine(), sets[i][0] + " must be within 1 and "
                        + ByteSizes.format(S3ObjectSet.MAX_OBJECT_SIZE) + ", was " + object);
            }
            if (total < object) {
                throw new ParameterException(spec.commandLine(), sets[i][1] + " (" + total + ") must hold at least one "
                        + "object of " + sets[i][0] + " (" + object + ")");
            }
            if (object > options.byteBudget()) {
                throw new ParameterException(spec.commandLine(), "--budget (" + ByteSizes.format(options.byteBudget())
                        + ") must hold one whole object of " + sets[i][0] + " (" + ByteSizes.format(object) + ")");
            }
        }
    }

    private List<S3ObjectSet> upload(S3Client client) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        try {
            return List.of(S3ObjectSet.upload(client, BUCKET, "large", largeTotal, largeObject, seed, pool),
                    S3ObjectSet.upload(client, BUCKET, "small", smallTotal, smallObject, seed + 1, pool));
        } finally {
            pool.shutdownNow();
        }
    }

    /** (b): the copy's wall-clock time, and the bytes and files found in its destination afterwards. */
    private static Measured awscliCopy(DebianAwsCli awscli, S3ProxyProcess server, S3ObjectSet set, Path dest,
            Path scratch) throws IOException, InterruptedException {
        long start = System.nanoTime();
        awscli.copyRecursive(server.endpoint(), set.bucket(), set.prefix(), dest, IDENTITY, CREDENTIAL, scratch);
        long nanos = System.nanoTime() - start;
        long bytes = 0;
        int files = 0;
        try (Stream<Path> walk = Files.walk(dest)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(p);
                files++;
            }
        }
        return new Measured(bytes, files, nanos);
    }

    /** One method's reading of one set. */
    private interface Reading {
        Measured read() throws Exception;
    }

    /** Runs {@code reading}, checks what it read and adds the CPU time it cost. */
    private static Measured measure(S3ObjectSet set, String method, long serverPid, Reading reading) throws Exception {
        CpuTimes.Snapshot before = CpuTimes.take(serverPid);
        Measured m = reading.read();
        return verify(set, method, m.withCpu(CpuTimes.take(serverPid).since(before)));
    }

    /** Every method must read exactly the set's objects and bytes; a shortfall is a failure, never a figure. */
    private static Measured verify(S3ObjectSet set, String method, Measured m) {
        if (m.bytes() != set.totalBytes() || m.objects() != set.objects().size()) {
            throw new IllegalStateException(String.format("%s read %d bytes in %d objects of set %s, expected %d bytes "
                    + "in %d objects", method, m.bytes(), m.objects(), set.name(), set.totalBytes(), set.objects().size()));
        }
        return m;
    }

    private Path serverJar() throws URISyntaxException {
        if (s3proxyJar != null) {
            return s3proxyJar;
        }
        // benchmarks/target/benchmarks-*.jar, or benchmarks/target/classes when run from the build
        Path code = Path.of(S3Benchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return code.getParent().resolve("s3proxy.jar");
    }

    private static void deleteQuietly(Path dir) {
        try {
            if (Files.exists(dir)) {
                ScratchDirs.delete(dir);
            }
        } catch (RuntimeException e) {
            System.err.println("bench s3: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
