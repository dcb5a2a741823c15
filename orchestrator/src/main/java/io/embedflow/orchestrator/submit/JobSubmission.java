package io.embedflow.orchestrator.submit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One of the pipeline jobs, described both ways a {@link FlinkTarget} may submit it: as the code
 * that adds it to an environment (a client that builds the job graph here: the embedded cluster, a
 * REST session cluster), and as the pipeline jar's main class with its arguments (a cluster that
 * builds the graph itself from the jar: a {@code FlinkSessionJob} or an application-mode
 * {@code FlinkDeployment} of the Flink Kubernetes Operator). Both describe the same job.
 *
 * @param jobName the Flink job name, which is how a run's job is found again ({@code embedflow refresh <run id>})
 * @param define adds the job to an environment
 * @param entryClass the pipeline jar's main class that runs this job
 * @param args its arguments ({@code --name value}, names without the {@code embedflow.} prefix)
 * @param parallelism the job's parallelism
 */
public record JobSubmission(String jobName, Consumer<StreamExecutionEnvironment> define, String entryClass, List<String> args,
        int parallelism) {

    private static final String OPTION_PREFIX = "embedflow.";

    public JobSubmission {
        Objects.requireNonNull(jobName, "jobName");
        Objects.requireNonNull(define, "define");
        Objects.requireNonNull(entryClass, "entryClass");
        args = List.copyOf(args);
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
        }
    }

    /**
     * A job whose main class reads the job options {@code options} ({@code embedflow.*} keys) as
     * {@code --key value} arguments, in key order.
     */
    public static JobSubmission of(String jobName, Consumer<StreamExecutionEnvironment> define, Class<?> entryClass,
            Map<String, String> options, int parallelism) {
        List<String> args = new ArrayList<>();
        options.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(option -> {
            String key = option.getKey();
            args.add("--" + (key.startsWith(OPTION_PREFIX) ? key.substring(OPTION_PREFIX.length()) : key));
            args.add(option.getValue());
        });
        return new JobSubmission(jobName, define, entryClass.getName(), args, parallelism);
    }
}
