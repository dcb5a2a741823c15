package io.embedflow.orchestrator.submit;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.refresh.Failures;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A job built here and submitted through Flink's client to a target's REST endpoint ({@link FlinkTarget}'s default). */
final class ClientSubmittedJob implements SubmittedJob {
    private final JobClient client;
    private final URI rest;

    private ClientSubmittedJob(JobClient client, URI rest) {
        this.client = client;
        this.rest = rest;
    }

    static SubmittedJob submit(FlinkTarget target, JobSubmission submission) {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(target.clientConfiguration());
        submission.define().accept(env);
        try {
            return new ClientSubmittedJob(env.executeAsync(submission.jobName()), target.restAddress());
        } catch (Exception e) {
            throw new OrchestratorException("cannot submit " + submission.jobName() + " to " + target.restAddress() + ": "
                    + Failures.describe(e), e);
        }
    }

    @Override
    public URI restAddress() {
        return rest;
    }

    @Override
    public Optional<String> flinkJobId() {
        return Optional.of(client.getJobID().toHexString());
    }

    @Override
    public Optional<Map<String, Object>> awaitResult(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(client.getJobExecutionResult().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .getAllAccumulatorResults());
        } catch (TimeoutException notYet) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new OrchestratorException(Failures.describe(e), e);
        }
    }

    @Override
    public void cancel() {
        client.cancel();
    }
}
