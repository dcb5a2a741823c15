package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.queue.TenantPolicy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How {@code embedflow serve} runs: validated on construction, immutable. Everything has a
 * default, so every builder method is an {@code opt}.
 *
 * <pre>{@code
 * ServeConfig config = ServeConfig.builder()
 *         .optTick(Duration.ofSeconds(5))
 *         .optTenants(List.of(TenantPolicy.of("search", 2), TenantPolicy.of("ads", 1).withMaxSlots(4)))
 *         .optRunTimeout(Duration.ofHours(2))
 *         .build();
 * }</pre>
 *
 * @param name this daemon's name, unique among the daemons sharing a metadata store (default: the
 *     host name); its leases are held as {@code NAME#BOOT}, and a start takes back the leases of the
 *     earlier incarnations of its name
 * @param tick how often triggers are evaluated and the queue is admitted from
 * @param leaseTtl how long an admitted request stays leased without a heartbeat (one per pass);
 *     at least three ticks
 * @param tenants the tenants' weights and quotas; others get weight 1 and no quota
 * @param runTimeout how long a run may take before its job is cancelled and the run fails; empty for no limit
 * @param retries retry budgets and backoff
 * @param maxRuns the most runs followed at once (the run threads)
 * @param firingsPerPass the most firings one pass takes into the queue
 * @param onShutdown what a stop does with running runs
 * @param shutdownGrace how long a stop waits for cancelled runs to end
 * @param followInterval how often a job left running by an earlier daemon is polled
 * @param logFile this process's log file, recorded as runs' log location
 */
public record ServeConfig(String name, Duration tick, Duration leaseTtl, List<TenantPolicy> tenants, Optional<Duration> runTimeout,
        RetryPolicy retries, int maxRuns, int firingsPerPass, ShutdownPolicy onShutdown, Duration shutdownGrace,
        Duration followInterval, Path logFile) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public ServeConfig {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new OrchestratorException("a serve name is 1 to 100 letters, digits, '.', '_' or '-', got '" + name + "'");
        }
        requirePositive("tick", tick);
        requirePositive("lease", leaseTtl);
        if (leaseTtl.compareTo(tick.multipliedBy(3)) < 0) {
            throw new OrchestratorException("the lease (" + leaseTtl + ") must be at least three ticks (" + tick.multipliedBy(3)
                    + "): leases are renewed once a tick");
        }
        tenants = List.copyOf(tenants);
        Objects.requireNonNull(runTimeout, "runTimeout");
        runTimeout.ifPresent(t -> requirePositive("run timeout", t));
        Objects.requireNonNull(retries, "retries");
        if (maxRuns < 1 || firingsPerPass < 1) {
            throw new OrchestratorException("serve needs at least 1 run thread and 1 firing per pass, got " + maxRuns + " and "
                    + firingsPerPass);
        }
        Objects.requireNonNull(onShutdown, "onShutdown");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        requirePositive("follow interval", followInterval);
        Objects.requireNonNull(logFile, "logFile");
    }

    private static void requirePositive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new OrchestratorException("the " + what + " must be longer than zero, got " + d);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The host's name, or {@code serve} when it has none usable. */
    static String defaultName() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            int dot = host.indexOf('.');
            String shortName = dot > 0 ? host.substring(0, dot) : host;
            return NAME.matcher(shortName).matches() ? shortName : "serve";
        } catch (UnknownHostException e) {
            return "serve";
        }
    }

    /** Where this process logs: {@code -Dembedflow.log.file}, else the log configuration's default. */
    static Path defaultLogFile() {
        String file = System.getProperty("embedflow.log.file");
        return Path.of(file != null ? file : System.getProperty("java.io.tmpdir") + "/embedflow.log").toAbsolutePath();
    }

    /** Every field has a default; {@code optX} sets it. */
    public static final class Builder {
        private String name;
        private Duration tick = Duration.ofSeconds(5);
        private Duration leaseTtl;
        private List<TenantPolicy> tenants = List.of();
        private Duration runTimeout;
        private RetryPolicy retries = RetryPolicy.DEFAULT;
        private int maxRuns = 16;
        private int firingsPerPass = 500;
        private ShutdownPolicy onShutdown = ShutdownPolicy.REQUEUE;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private Duration followInterval = Duration.ofSeconds(2);
        private Path logFile;

        private Builder() {
        }

        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /** Default 5 s. */
        public Builder optTick(Duration tick) {
            this.tick = tick;
            return this;
        }

        /** Default: the longer of 60 s and three ticks. */
        public Builder optLease(Duration leaseTtl) {
            this.leaseTtl = leaseTtl;
            return this;
        }

        public Builder optTenants(List<TenantPolicy> tenants) {
            this.tenants = tenants;
            return this;
        }

        /** Default: none. */
        public Builder optRunTimeout(Duration runTimeout) {
            this.runTimeout = runTimeout;
            return this;
        }

        public Builder optRetries(RetryPolicy retries) {
            this.retries = retries;
            return this;
        }

        /** Default 16. */
        public Builder optMaxRuns(int maxRuns) {
            this.maxRuns = maxRuns;
            return this;
        }

        /** Default 500. */
        public Builder optFiringsPerPass(int firingsPerPass) {
            this.firingsPerPass = firingsPerPass;
            return this;
        }

        public Builder optOnShutdown(ShutdownPolicy onShutdown) {
            this.onShutdown = onShutdown;
            return this;
        }

        /** Default 30 s. */
        public Builder optShutdownGrace(Duration shutdownGrace) {
            this.shutdownGrace = shutdownGrace;
            return this;
        }

        /** Default 2 s. */
        public Builder optFollowInterval(Duration followInterval) {
            this.followInterval = followInterval;
            return this;
        }

        public Builder optLogFile(Path logFile) {
            this.logFile = logFile;
            return this;
        }

        public ServeConfig build() {
            Duration lease = leaseTtl != null ? leaseTtl
                    : tick != null && tick.multipliedBy(3).compareTo(Duration.ofSeconds(60)) > 0 ? tick.multipliedBy(3)
                    : Duration.ofSeconds(60);
            return new ServeConfig(name != null ? name : defaultName(), tick, lease, tenants, Optional.ofNullable(runTimeout),
                    retries, maxRuns, firingsPerPass, onShutdown, shutdownGrace, followInterval,
                    logFile != null ? logFile : defaultLogFile());
        }
    }
}
