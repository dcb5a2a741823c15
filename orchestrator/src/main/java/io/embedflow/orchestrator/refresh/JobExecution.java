package io.embedflow.orchestrator.refresh;

import io.embedflow.flink.embed.EmbedOperator;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.submit.FlinkTarget;
import io.embedflow.orchestrator.submit.JobMetrics;
import io.embedflow.orchestrator.submit.JobSubmission;
import io.embedflow.orchestrator.submit.SubmittedJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Submits one of the pipeline jobs to a Flink target and follows it to its end, reporting the embedded rows. */
public final class JobExecution {
    private JobExecution() {}

    /**
     * Submits {@code job} to {@code target} and returns its accumulators once it finished.
     *
     * @throws OrchestratorException with the job's failure, or when it cannot be submitted; an interrupt cancels it
     */
    public static Map<String, Object> run(JobSubmission job, FlinkTarget target, ProgressListener progress) {
        return run(job, target, progress, JobTrace.start());
    }

    /**
     * As {@link #run(JobSubmission, FlinkTarget, ProgressListener)}, recording the rows done about once a
     * second into {@code trace} while the job runs (whether or not anyone shows progress), and the embedding
     * subtasks' own figures from the job's accumulators once it finished.
     */
    public static Map<String, Object> run(JobSubmission job, FlinkTarget target, ProgressListener progress, JobTrace trace) {
        SubmittedJob submitted = target.submit(job);
        Duration poll = Duration.ofMillis(progress == ProgressListener.NONE ? 1000 : 500);
        JobMetrics metrics = null;
        try {
            while (true) {
                Optional<Map<String, Object>> result = submitted.awaitResult(poll);
                if (result.isPresent()) {
                    trace.subtasks(subtaskFigures(result.get()));
                    return result.get();
                }
                if (metrics == null && submitted.flinkJobId().isPresent()) {
                    metrics = new JobMetrics(submitted.restAddress(), submitted.flinkJobId().get());
                }
                long done = metrics == null ? 0 : metrics.sum("embed", "rowsEmbedded", "rowsRejected").orElse(0);
                trace.sample(done);
                progress.progress(done);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            submitted.cancel();
            throw new OrchestratorException("interrupted while waiting for " + job.jobName(), e);
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
