package io.embedflow.orchestrator.submit;

import java.net.URI;
import org.apache.flink.configuration.Configuration;

/**
 * A Flink cluster jobs are submitted to through its REST API: the embedded MiniCluster or a
 * remote session cluster. Closing an embedded target stops it; closing a remote one does nothing.
 */
public interface FlinkTarget extends AutoCloseable {
    /** The REST endpoint, e.g. {@code http://127.0.0.1:8081}. */
    URI restAddress();

    /** Client settings for a {@code StreamExecutionEnvironment} that submits to this target. */
    Configuration clientConfiguration();

    @Override
    void close();
}
