package io.embedflow.orchestrator.refresh;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.submit.FlinkTarget;
import io.embedflow.orchestrator.submit.JobMetrics;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Submits one of the pipeline jobs to a Flink target and follows it to its end, reporting the embedded rows. */
public final class JobExecution {
    private JobExecution() {}

    /**
     * Defines the job with {@code define}, submits it, and returns its accumulators once it finished.
     *
     * @throws OrchestratorException with the job's failure, or when it cannot be submitted; an interrupt cancels it
     */
    public static Map<String, Object> run(Consumer<StreamExecutionEnvironment> define, String jobName, FlinkTarget target,
            ProgressListener progress) {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(target.clientConfiguration());
        define.accept(env);
        JobClient client;
        try {
            client = env.executeAsync(jobName);
        } catch (Exception e) {
            throw new OrchestratorException("cannot submit " + jobName + " to " + target.restAddress() + ": "
                    + Failures.describe(e), e);
        }
        JobMetrics metrics = new JobMetrics(target.restAddress(), client.getJobID().toHexString());
        CompletableFuture<JobExecutionResult> result = client.getJobExecutionResult();
        try {
            while (true) {
                try {
                    return result.get(progress == ProgressListener.NONE ? 5000 : 500, TimeUnit.MILLISECONDS)
                            .getAllAccumulatorResults();
                } catch (TimeoutException notYet) {
                    if (progress != ProgressListener.NONE) {
                        long embedded = metrics.counter("embed", "rowsEmbedded").orElse(0);
                        long rejected = metrics.counter("embed", "rowsRejected").orElse(0);
                        progress.progress(embedded + rejected);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.cancel();
            throw new OrchestratorException("interrupted while waiting for " + jobName, e);
        } catch (ExecutionException e) {
            throw new OrchestratorException(Failures.describe(e), e);
        }
    }
}
