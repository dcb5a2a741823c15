package io.embedflow.orchestrator.refresh;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What a job did over time, for its run's metrics and report: rows done (embedded or rejected)
 * sampled while it ran, and each embedding subtask's own figures at its end.
 *
 * <p>The samples are bounded: once {@link #MAX_SAMPLES} are kept, every other one is dropped and
 * the spacing between kept samples doubles, so a run of any length keeps at most that many, spread
 * evenly over its time. The first sample and the newest one are always kept. Not thread-safe: the
 * thread that follows the job records into it.
 *
 * <pre>{@code
 * JobTrace trace = JobTrace.start();
 * JobExecution.run(job, target, progress, trace);
 * trace.sample(totalRows);                  // the end, exactly
 * metrics.putAll(trace.toMetrics());        // "timeline" and "subtasks"
 * }</pre>
 */
public final class JobTrace {
    /** Most samples kept. */
    public static final int MAX_SAMPLES = 256;
    /** Closest spacing of kept samples at the start, in seconds. */
    static final double FIRST_SPACING_SECONDS = 0.5;

    /** Rows done by {@code seconds} after the trace started. */
    public record Sample(double seconds, long rows) {}

    private final LongSupplier nanoClock;
    private final long startNanos;
    private final List<Sample> samples = new ArrayList<>();
    private final List<Map<String, Object>> subtasks = new ArrayList<>();
    private double spacing = FIRST_SPACING_SECONDS;
    private Sample pending;

    JobTrace(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        samples.add(new Sample(0, 0));
    }

    /** A trace starting now, with no rows done. */
    public static JobTrace start() {
        return new JobTrace(System::nanoTime);
    }

    /** Records {@code rows} done by now; a count lower than an earlier one (a restarted job) is kept as it is. */
    public void sample(long rows) {
        Sample s = new Sample(Math.round((nanoClock.getAsLong() - startNanos) / 1e6) / 1000.0, rows);
        Sample last = samples.get(samples.size() - 1);
        if (s.seconds() - last.seconds() < spacing) {
            pending = s;   // kept only if it stays the newest
            return;
        }
        pending = null;
        samples.add(s);
        if (samples.size() > MAX_SAMPLES) {
            thin();
        }
    }

    /** Each embedding subtask's figures at its end (by subtask index), as the job's REST API gave them. */
    public void subtasks(List<Map<String, Object>> figures) {
        subtasks.clear();
        subtasks.addAll(figures);
    }

    /** The kept samples in time order, the newest last. */
    public List<Sample> samples() {
        List<Sample> all = new ArrayList<>(samples);
        if (pending != null) {
            all.add(pending);
        }
        return all;
    }

    /** {@code timeline}: {@code [[seconds, rows], ...]}; {@code subtasks}: one object per subtask, when known. */
    public Map<String, Object> toMetrics() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<List<Number>> points = new ArrayList<>();
        for (Sample s : samples()) {
            points.add(List.of(s.seconds(), s.rows()));
        }
        m.put("timeline", points);
        if (!subtasks.isEmpty()) {
            m.put("subtasks", List.copyOf(subtasks));
        }
        return m;
    }

    /** Drops every other sample but the first and the newest, and doubles the spacing of those to come. */
    private void thin() {
        List<Sample> kept = new ArrayList<>();
        for (int i = 0; i < samples.size(); i += 2) {
            kept.add(samples.get(i));
        }
        Sample newest = samples.get(samples.size() - 1);
        if (kept.get(kept.size() - 1) != newest) {
            kept.add(newest);
        }
        samples.clear();
        samples.addAll(kept);
        spacing *= 2;
    }
}
