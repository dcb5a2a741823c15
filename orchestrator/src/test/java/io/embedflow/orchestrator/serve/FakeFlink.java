package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.submit.FlinkJob;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;

/** A Flink cluster as its REST API shows it: jobs by id, in memory. Thread-safe. */
final class FakeFlink implements FlinkTarget {

    private final Map<String, FlinkJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile Consumer<FlinkJob> onCancel = job -> { };
    private volatile boolean reachable = true;

    /** Adds a job named {@code name} in {@code state}; returns it. */
    FlinkJob submit(String name, JobStatus state) {
        FlinkJob job = new FlinkJob(String.format("%032x", ids.incrementAndGet()), name, state, System.currentTimeMillis());
        jobs.put(job.id(), job);
        return job;
    }

    void set(String jobId, JobStatus state) {
        jobs.computeIfPresent(jobId, (id, j) -> new FlinkJob(id, j.name(), state, j.startTime()));
    }

    void fail(String jobId, String stackTrace) {
        failures.put(jobId, stackTrace);
        set(jobId, JobStatus.FAILED);
    }

    /** Forgets every job, as an embedded cluster that died with its process does. */
    void clear() {
        jobs.clear();
    }

    /** Called with each job a cancel moved to CANCELED. */
    void onCancel(Consumer<FlinkJob> action) {
        onCancel = action;
    }

    void reachable(boolean reachable) {
        this.reachable = reachable;
    }

    @Override
    public URI restAddress() {
        return URI.create("http://fake-flink:8081");
    }

    @Override
    public Configuration clientConfiguration() {
        return new Configuration();
    }

    @Override
    public Optional<FlinkJob> findJob(String name) {
        check();
        return jobs.values().stream().filter(j -> j.name().equals(name)).max(java.util.Comparator.comparing(FlinkJob::id));
    }

    @Override
    public Optional<FlinkJob> job(String jobId) {
        check();
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public boolean cancel(String jobId) {
        check();
        FlinkJob job = jobs.get(jobId);
        if (job == null) {
            return false;
        }
        if (!job.isTerminal()) {
            set(jobId, JobStatus.CANCELED);
            onCancel.accept(jobs.get(jobId));
        }
        return true;
    }

    @Override
    public Optional<String> failure(String jobId) {
        check();
        return Optional.ofNullable(failures.get(jobId));
    }

    @Override
    public OptionalInt totalSlots() {
        check();
        return OptionalInt.of(4);
    }

    private void check() {
        if (!reachable) {
            throw new OrchestratorException("cannot reach Flink at " + restAddress(), new java.net.ConnectException("Connection refused"));
        }
    }

    @Override
    public void close() {
    }
}
