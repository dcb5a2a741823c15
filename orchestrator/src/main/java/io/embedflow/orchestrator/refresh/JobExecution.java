package io.embedflow.orchestrator.refresh;

import io.embedflow.flink.embed.EmbedOperator;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.submit.FlinkTarget;
import io.embedflow.orchestrator.submit.JobMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
        return run(define, jobName, target, progress, JobTrace.start());
    }

    /**
     * As {@link #run(Consumer, String, FlinkTarget, ProgressListener)}, recording the rows done about once a
     * second into {@code trace} while the job runs (whether or not anyone shows progress), and the embedding
     * subtasks' own figures from the job's accumulators once it finished.
     */
    public static Map<String, Object> run(Consumer<StreamExecutionEnvironment> define, String jobName, FlinkTarget target,
            ProgressListener progress, JobTrace trace) {
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
                    Map<String, Object> accumulators = result.get(progress == ProgressListener.NONE ? 1000 : 500,
                            TimeUnit.MILLISECONDS).getAllAccumulatorResults();
                    trace.subtasks(subtaskFigures(accumulators));
                    return accumulators;
                } catch (TimeoutException notYet) {
                    long done = metrics.sum("embed", "rowsEmbedded", "rowsRejected").orElse(0);
                    trace.sample(done);
                    progress.progress(done);
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

    /** The embedding subtasks' own figures from their accumulators: rows, seconds embedding and waiting for input. */
    static List<Map<String, Object>> subtaskFigures(Map<String, Object> accumulators) {
        Map<Integer, Map<String, Object>> bySubtask = new TreeMap<>();
        String prefix = EmbedOperator.ACC_PREFIX + EmbedOperator.SUBTASK_PREFIX;
        for (Map.Entry<String, Object> acc : accumulators.entrySet()) {
            String[] parts = acc.getKey().startsWith(prefix) ? acc.getKey().substring(prefix.length()).split("\\.") : null;
            if (parts == null || parts.length != 2 || !parts[0].matches("\\d{1,6}") || !(acc.getValue() instanceof Number n)) {
                continue;
            }
            Map<String, Object> figures = bySubtask.computeIfAbsent(Integer.parseInt(parts[0]), i -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("subtask", i);
                m.put("rows", 0L);
                m.put("embedSeconds", 0.0);
                m.put("inputWaitSeconds", 0.0);
                return m;
            });
            switch (parts[1]) {
                case "rows" -> figures.put("rows", n.longValue());
                case "embedNanos" -> figures.put("embedSeconds", Math.round(n.longValue() / 1e6) / 1000.0);
                case "inputWaitNanos" -> figures.put("inputWaitSeconds", Math.round(n.longValue() / 1e6) / 1000.0);
                default -> { }
            }
        }
        return new ArrayList<>(bySubtask.values());
    }
}
