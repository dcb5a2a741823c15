package io.embedflow.orchestrator.submit;

import io.embedflow.orchestrator.OrchestratorException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;

/** A running Flink session cluster, reached through its REST API; jobs ship the pipeline jar. */
public final class RemoteFlink implements FlinkTarget {
    private final URI rest;
    private final Path pipelineJar;

    public RemoteFlink(URI rest, Path pipelineJar) {
        if (!Files.isRegularFile(pipelineJar)) {
            throw new OrchestratorException("pipeline jar " + pipelineJar + " does not exist; build it with mvn package");
        }
        this.rest = rest;
        this.pipelineJar = pipelineJar;
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
        conf.set(PipelineOptions.JARS, List.of(pipelineJar.toUri().toString()));
        return conf;
    }

    @Override
    public void close() {}
}
