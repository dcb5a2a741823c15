package io.embedflow.orchestrator.submit;

import io.embedflow.orchestrator.OrchestratorException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;

/**
 * The embedded default: a Flink MiniCluster in this JVM, with a REST endpoint on a free loopback
 * port, so that jobs go through the same REST submission path as on a real cluster.
 */
public final class EmbeddedFlink implements FlinkTarget {
    private final MiniCluster cluster;
    private final URI rest;

    private EmbeddedFlink(MiniCluster cluster, URI rest) {
        this.cluster = cluster;
        this.rest = rest;
    }

    /** Starts a cluster of one task manager with {@code slots} slots. */
    public static EmbeddedFlink start(int slots) {
        Configuration conf = new Configuration();
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        // the REST API serves metrics from a cache refreshed this often (default 10 s): progress bars need it fresher
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        // DJL's native libraries load once per JVM: its classes must come from one class loader
        conf.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL, List.of("ai.djl."));
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        try {
            cluster.start();
            return new EmbeddedFlink(cluster, cluster.getRestAddress().get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            cluster.closeAsync();
            throw new OrchestratorException("cannot start the embedded Flink cluster: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean inProcess() {
        return true;
    }

    @Override
    public URI restAddress() {
        return rest;
    }

    @Override
    public Configuration clientConfiguration() {
        Configuration conf = new Configuration();
        conf.set(DeploymentOptions.TARGET, "remote");
        conf.set(RestOptions.ADDRESS, rest.getHost());
        conf.set(RestOptions.PORT, rest.getPort());
        return conf;
    }

    @Override
    public void close() {
        try {
            cluster.closeAsync().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new OrchestratorException("cannot stop the embedded Flink cluster: " + e.getMessage(), e);
        }
    }
}
