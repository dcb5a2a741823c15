package io.embedflow.orchestrator.submit.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.orchestrator.submit.EmbeddedFlink;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Plays the Flink Kubernetes Operator and its session cluster against the mock API server: for
 * each new {@code FlinkSessionJob} it runs the job's entry class's {@code main} with the job's
 * arguments, as a session cluster's job manager runs a submitted jar (detached: {@code main} returns
 * once the job is submitted), with the job going to an embedded cluster; it writes the job's id and state into the resource's status as the operator
 * does, and cancels the job when its resource is deleted.
 */
final class SessionClusterFake implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final String namespace;
    private final EmbeddedFlink flink;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Map<String, JobClient> running = new ConcurrentHashMap<>();
    private final List<Map<String, Object>> jobSpecs = new CopyOnWriteArrayList<>();
    private final Thread watcher;
    private volatile boolean stopped;

    private SessionClusterFake(KubernetesClient client, String namespace, EmbeddedFlink flink) {
        this.client = client;
        this.namespace = namespace;
        this.flink = flink;
        this.watcher = new Thread(this::watch, "session-cluster-fake");
        watcher.setDaemon(true);
    }

    static SessionClusterFake start(KubernetesClient client, String namespace, EmbeddedFlink flink) {
        SessionClusterFake fake = new SessionClusterFake(client, namespace, flink);
        fake.watcher.start();
        return fake;
    }

    /** The {@code spec.job} of every session job it ran. */
    List<Map<String, Object>> jobSpecs() {
        return jobSpecs;
    }

    private OperatorFake operator() {
        return new OperatorFake(client, namespace, FlinkResources.SESSION_JOBS);
    }

    @SuppressWarnings("unchecked")
    private void watch() {
        while (!stopped) {
            List<GenericKubernetesResource> jobs = client.genericKubernetesResources(FlinkResources.SESSION_JOBS)
                    .inNamespace(namespace).list().getItems();
            Set<String> present = ConcurrentHashMap.newKeySet();
            for (GenericKubernetesResource job : jobs) {
                String name = job.getMetadata().getName();
                present.add(name);
                if (seen.add(name)) {
                    Map<String, Object> spec = (Map<String, Object>) job.get("spec", "job");
                    jobSpecs.add(spec);
                    Thread run = new Thread(() -> runMain(name, spec), "session-job-" + name);
                    run.setDaemon(true);
                    run.start();
                }
            }
            running.forEach((name, jobClient) -> {
                if (!present.contains(name)) {
                    jobClient.cancel();   // the operator cancels the job of a deleted FlinkSessionJob
                    running.remove(name);
                }
            });
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void runMain(String name, Map<String, Object> spec) {
        Configuration clusterClient = flink.clientConfiguration();
        JobListener listener = new JobListener() {
            @Override
            public void onJobSubmitted(JobClient jobClient, Throwable failure) {
                if (jobClient != null) {
                    running.put(name, jobClient);
                    quietly(() -> operator().job(name, jobClient.getJobID().toHexString(), "RUNNING"));
                }
            }

            @Override
            public void onJobExecuted(JobExecutionResult result, Throwable failure) {
            }
        };
        ContextEnvironment.set(conf -> {
            Configuration merged = new Configuration(clusterClient);
            merged.addAll(conf);
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(merged);
            env.registerJobListener(listener);
            return env;
        });
        try {
            Class<?> entry = Class.forName((String) spec.get("entryClass"));
            String[] args = ((List<Object>) spec.get("args")).stream().map(String::valueOf).toArray(String[]::new);
            // on a session cluster main returns once it submitted the job (detached); the operator then follows the job
            entry.getMethod("main", String[].class).invoke(null, (Object) args);
            JobClient job = running.get(name);
            if (job == null) {
                throw new IllegalStateException("the main class of " + name + " returned without submitting a job");
            }
            job.getJobExecutionResult().get();
            running.remove(name);
            quietly(() -> operator().job(name, job.getJobID().toHexString(), "FINISHED"));
        } catch (java.util.concurrent.ExecutionException e) {
            fail(name, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (InvocationTargetException e) {
            fail(name, e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            fail(name, e);
        } finally {
            ContextEnvironment.reset();
        }
    }

    /** Records the failure as the operator does: the job FAILED, its exception chain as JSON in {@code status.error}. */
    private void fail(String name, Throwable failure) {
        JobClient job = running.remove(name);
        if (operator().get(name) == null) {
            return;   // deleted: cancelled
        }
        List<Map<String, Object>> causes = new ArrayList<>();
        for (Throwable t = failure.getCause(); t != null && causes.size() < 10; t = t.getCause()) {
            causes.add(Map.of("type", t.getClass().getName(), "message", String.valueOf(t.getMessage())));
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", failure.getClass().getName());
        error.put("message", String.valueOf(failure.getMessage()));
        error.put("throwableList", causes);
        quietly(() -> {
            GenericKubernetesResource resource = operator().get(name);
            Map<String, Object> status = new LinkedHashMap<>((Map<String, Object>) resource.getAdditionalProperties()
                    .getOrDefault("status", Map.of()));
            status.put("error", JSON.writeValueAsString(error));
            status.put("jobStatus", Map.of("jobId", job != null ? job.getJobID().toHexString() : "0".repeat(32),
                    "state", "FAILED"));
            resource.setAdditionalProperty("status", status);
            client.genericKubernetesResources(FlinkResources.SESSION_JOBS).inNamespace(namespace).resource(resource)
                    .updateStatus();
        });
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (Exception resourceGone) {
            // the resource was deleted meanwhile (cancelled): nothing to report on
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        watcher.interrupt();
        watcher.join(5_000);
    }

    /** Reaches the protected hooks through which a cluster gives a program's {@code main} its environment. */
    private static final class ContextEnvironment extends StreamExecutionEnvironment {
        static void set(org.apache.flink.streaming.api.environment.StreamExecutionEnvironmentFactory factory) {
            initializeContextEnvironment(factory);
        }

        static void reset() {
            resetContextEnvironment();
        }
    }
}
