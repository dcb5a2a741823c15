package io.embedflow.bench;

import io.embedflow.bench.S3Reads.Measured;
import io.embedflow.connectors.prefetch.PrefetchOptions;
import io.embedflow.connectors.prefetch.PrefetchStats;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/** {@code bench s3}'s table, notes and last line, from every method's reading of every set. */
final class S3Report {
    /** The prefetcher must beat {@code aws s3 cp} by this factor … */
    static final double AWSCLI_TARGET = 2.0;
    /** … and come this close to the raw parallel GETs. */
    static final double CEILING_TARGET = 0.8;
    /** Above this share of the cores' time used by other processes, the figures are flagged as disturbed. */
    static final double QUIET_SHARE = 0.1;

    /** One set's readings; {@code awscli} is empty where (b) did not run. */
    record SetResult(S3ObjectSet set, Measured naive, Optional<Measured> awscli, Measured prefetch,
            PrefetchStats prefetchStats, Measured asyncGets, Measured syncGets, Measured local) {
        boolean asyncIsCeiling() {
            return asyncGets.gbps() >= syncGets.gbps();
        }

        /** The faster of the two parallel-GET readings. */
        Measured ceiling() {
            return asyncIsCeiling() ? asyncGets : syncGets;
        }

        double prefetchVsCeiling() {
            return prefetch.gbps() / ceiling().gbps();
        }

        double prefetchVsNaive() {
            return prefetch.gbps() / naive.gbps();
        }

        /** Every reading of the set, (b) included where it ran. */
        List<Measured> all() {
            List<Measured> all = new ArrayList<>(List.of(naive, prefetch, asyncGets, syncGets, local));
            awscli.ifPresent(all::add);
            return all;
        }

        /** NaN where (b) did not run. */
        double prefetchVsAwscli() {
            return awscli.map(a -> prefetch.gbps() / a.gbps()).orElse(Double.NaN);
        }
    }

    private final String asyncClient;
    private final String prefetchClient;
    private final int concurrency;
    private final PrefetchOptions options;
    private final S3Benchmark.WarmUp warmUp;
    private final Optional<DebianAwsCli> awscli;
    private final List<String> awscliMissing;
    private final List<SetResult> results = new ArrayList<>();

    S3Report(String asyncClient, String prefetchClient, int concurrency, PrefetchOptions options,
            S3Benchmark.WarmUp warmUp, Optional<DebianAwsCli> awscli, List<String> awscliMissing) {
        this.asyncClient = asyncClient;
        this.prefetchClient = prefetchClient;
        this.concurrency = concurrency;
        this.options = options;
        this.warmUp = warmUp;
        this.awscli = awscli;
        this.awscliMissing = List.copyOf(awscliMissing);
    }

    void add(SetResult result) {
        results.add(result);
    }

    void print(PrintWriter out, S3ProxyProcess server) {
        out.printf("S3Proxy %s (filesystem-nio2) in its own JVM (pid %d) at %s; %d cores; GB = 10^9 bytes; "
                + "one warm-up pass of %s, then each method once per set%n", server.version(), server.pid(),
                server.endpoint(), Runtime.getRuntime().availableProcessors(),
                warmUp == S3Benchmark.WarmUp.ALL ? "every method but (b)" : "both ceilings");
        String header = String.format("%-6s %-14s %-56s %13s %8s %7s %11s %11s %11s %10s", "set", "objects", "method",
                "bytes", "seconds", "GB/s", "(c) / this", "client CPU", "server CPU", "other CPU");
        out.println(header);
        for (SetResult r : results) {
            String set = r.set().name();
            String shape = r.set().shape();
            row(out, set, shape, "(a) naive: sequential GetObject, sync client", r.naive(), r);
            if (r.awscli().isPresent()) {
                row(out, set, shape, "(b) aws s3 cp --recursive, " + awscli.get().version() + " defaults", r.awscli().get(),
                        r);
            } else {
                out.printf("%-6s %-14s %-56s %13s %8s %7s %11s %11s %11s %10s%n", set, shape,
                        "(b) aws s3 cp --recursive", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a");
            }
            row(out, set, shape, "(c) S3Prefetcher, " + prefetchClient + ", " + concurrency + " in flight, CRC32C",
                    r.prefetch(), r);
            row(out, set, shape, "(d) ceiling: " + concurrency + " GETs in flight, async " + asyncClient
                    + (r.asyncIsCeiling() ? " *" : ""), r.asyncGets(), r);
            row(out, set, shape, "(d) ceiling: " + concurrency + " threads, sync client (Apache 5)"
                    + (r.asyncIsCeiling() ? "" : " *"), r.syncGets(), r);
            row(out, set, shape, "(d) local disk: " + concurrency + " threads, same files", r.local(), r);
        }
        out.println();
        notes(out);
        out.println(lastLine());
    }

    private void row(PrintWriter out, String set, String shape, String method, Measured m, SetResult r) {
        out.printf(Locale.ROOT, "%-6s %-14s %-56s %13d %8.2f %7.3f %11.2f %11.2f %11.2f %10.2f%n", set, shape, method,
                m.bytes(), m.seconds(), m.gbps(), r.prefetch().gbps() / m.gbps(), m.cpu().clientNanos() / 1e9,
                m.cpu().serverNanos() / 1e9, m.cpu().otherNanos() / 1e9);
    }

    private void notes(PrintWriter out) {
        out.printf("(a) one object after another, each drained into one 1 MiB buffer%n");
        if (awscli.isPresent()) {
            out.printf(Locale.ROOT, "(b) %s with its default settings (10 concurrent requests, 8 MiB parts above "
                    + "8 MiB), writing files to the scratch disk; times include starting Python (aws --version "
                    + "took %.2f s)%n", DebianAwsCli.EXECUTABLE, awscli.get().startSeconds());
        } else {
            out.printf("(b) n/a: %s%n", String.join("; ", awscliMissing));
        }
        out.printf("(c) budget %s, part size %s, %d attempts; the consumer computes a CRC32C over every byte of each "
                        + "range, checks it against the uploaded object's and closes the range%n",
                ByteSizes.format(options.byteBudget()), ByteSizes.format(options.partSize()), options.maxAttempts());
        for (SetResult r : results) {
            PrefetchStats s = r.prefetchStats();
            out.printf(Locale.ROOT, "    %s: %d requests, %d retries, peak reserved %s of the %s budget (%.0f%%), "
                            + "consumer waited %.2f s of %.2f s (%.0f%%)%n",
                    r.set().name(), s.requests(), s.retries(), ByteSizes.format(s.peakBytesReserved()),
                    ByteSizes.format(options.byteBudget()), 100.0 * s.peakBytesReserved() / options.byteBudget(),
                    s.consumerWaitNanos() / 1e9, s.elapsedNanos() / 1e9, 100.0 * s.consumerWaitNanos() / s.elapsedNanos());
        }
        out.printf("(d) whole-object GETs whose bytes are counted and dropped; the ceiling is the faster of the two "
                + "(*). Local disk reads S3Proxy's own files with a direct 1 MiB buffer per thread; the page cache "
                + "is warm (the files were just written and served), so it measures memory, not the device%n");
        int cores = Runtime.getRuntime().availableProcessors();
        double share = otherCpuShare();
        out.printf(Locale.ROOT, "CPU columns: CPU seconds used while the row ran by this JVM (with aws for (b)), by "
                + "S3Proxy's JVM, and by every other process; other work used %.0f%% of the %d cores' time while "
                + "measuring%s%n", 100 * share, cores,
                share > QUIET_SHARE ? ": the machine was not quiet, so the figures are disturbed" : "");
        out.printf(Locale.ROOT, "targets: (c) >= %.1fx (b): %s; (c) >= %.1fx ceiling: %s%n", AWSCLI_TARGET,
                verdict(SetResult::prefetchVsAwscli, AWSCLI_TARGET), CEILING_TARGET,
                verdict(SetResult::prefetchVsCeiling, CEILING_TARGET));
    }

    /** The part of all cores' time, over every measured row, that processes other than client and server used. */
    private double otherCpuShare() {
        double other = 0;
        double wall = 0;
        for (SetResult r : results) {
            for (Measured m : r.all()) {
                other += m.cpu().otherNanos() / 1e9;
                wall += m.seconds();
            }
        }
        return other / (wall * Runtime.getRuntime().availableProcessors());
    }

    private String verdict(ToDoubleFunction<SetResult> ratio, double target) {
        double worst = worst(ratio);
        if (Double.isNaN(worst)) {
            return "n/a";
        }
        StringBuilder text = new StringBuilder();
        for (SetResult r : results) {
            text.append(String.format(Locale.ROOT, "%s %.2fx, ", r.set().name(), ratio.applyAsDouble(r)));
        }
        return text.append(worst >= target ? "met" : "NOT met").toString();
    }

    private double worst(ToDoubleFunction<SetResult> ratio) {
        return results.stream().mapToDouble(ratio).reduce(Double.POSITIVE_INFINITY, Math::min);
    }

    private String lastLine() {
        StringBuilder line = new StringBuilder();
        for (SetResult r : results) {
            String p = r.set().name() + "_";
            line.append(p).append("prefetch_gbps=").append(num(r.prefetch().gbps(), 3)).append(' ')
                    .append(p).append("awscli_gbps=").append(num(r.awscli().map(Measured::gbps).orElse(Double.NaN), 3))
                    .append(' ')
                    .append(p).append("ceiling_gbps=").append(num(r.ceiling().gbps(), 3)).append(' ')
                    .append(p).append("ceiling_client=").append(r.asyncIsCeiling() ? "async" : "sync").append(' ')
                    .append(p).append("naive_gbps=").append(num(r.naive().gbps(), 3)).append(' ')
                    .append(p).append("local_gbps=").append(num(r.local().gbps(), 3)).append(' ')
                    .append(p).append("prefetch_retries=").append(r.prefetchStats().retries()).append(' ');
        }
        line.append("prefetch_vs_awscli=").append(num(worst(SetResult::prefetchVsAwscli), 2))
                .append(" prefetch_vs_ceiling=").append(num(worst(SetResult::prefetchVsCeiling), 2))
                .append(" prefetch_vs_naive=").append(num(worst(SetResult::prefetchVsNaive), 2))
                .append(" prefetch_client=").append(prefetchClient)
                .append(" async_client=").append(asyncClient)
                .append(" concurrency=").append(concurrency)
                .append(" budget_bytes=").append(options.byteBudget())
                .append(" part_size_bytes=").append(options.partSize())
                .append(" warm_up=").append(warmUp.name().toLowerCase(Locale.ROOT))
                .append(" other_cpu_share=").append(num(otherCpuShare(), 2));
        return line.toString();
    }

    private static String num(double value, int decimals) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
