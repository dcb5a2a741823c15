package io.embedflow.orchestrator.gang.k8s;

import io.embedflow.orchestrator.gang.GangRequest;
import io.embedflow.orchestrator.gang.GangStatus;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What one look at an attempt's JobSet and pods says about the gang; no I/O. In order: a failed
 * member (or a JobSet that failed) makes the attempt FAILED; a completed JobSet, or every rank
 * succeeded, SUCCEEDED; a JobSet that Kueue holds (suspended) is RUNNING, waiting for admission;
 * ranks without a running pod once the join timeout passed make it FAILED; else RUNNING.
 */
final class AttemptObservation {

    private final GangRequest request;
    private final GenericKubernetesResource jobSet;
    private final List<Pod> pods;

    AttemptObservation(GangRequest request, GenericKubernetesResource jobSet, List<Pod> pods) {
        this.request = request;
        this.jobSet = jobSet;
        this.pods = pods;
    }

    /** Whether the JobSet is suspended: queued by Kueue, or evicted to make room for other work. */
    boolean suspended() {
        return Boolean.TRUE.equals(jobSet.get("spec", "suspend"));
    }

    /**
     * @param joined how long members have had to start since the JobSet was admitted; empty while it
     *     is suspended
     */
    GangStatus status(Optional<Duration> joined) {
        Optional<GangStatus> failure = firstFailure();
        if (failure.isPresent()) {
            return failure.get();
        }
        Optional<Map<String, Object>> failed = condition("Failed");
        if (failed.isPresent()) {
            return GangStatus.failed(-1, "JobSet " + jobSet.getMetadata().getName() + " failed: " + describe(failed.get()));
        }
        if (condition("Completed").isPresent() || allSucceeded()) {
            return GangStatus.succeeded();
        }
        if (joined.isEmpty() || suspended()) {
            return GangStatus.running();
        }
        if (joined.get().compareTo(request.joinTimeout()) >= 0) {
            return notJoined().orElse(GangStatus.running());
        }
        return GangStatus.running();
    }

    private Optional<GangStatus> firstFailure() {
        record Failure(int rank, Instant at, String reason) {
        }
        List<Failure> failures = new ArrayList<>();
        for (Pod pod : pods) {
            int rank = rank(pod);
            PodStatus status = pod.getStatus();
            Optional<ContainerStateTerminated> exit = terminatedWithError(status);
            String who = rank >= 0 ? "rank " + rank : "pod " + pod.getMetadata().getName() + " (rank unknown)";
            if (exit.isPresent()) {
                ContainerStateTerminated t = exit.get();
                String why = t.getReason() != null && !t.getReason().equals("Error") ? " (" + t.getReason() + ")" : "";
                failures.add(new Failure(rank, instant(t.getFinishedAt()), who + " exited with status " + t.getExitCode() + why));
            } else if (status != null && "Failed".equals(status.getPhase())) {
                String why = status.getReason() != null ? status.getReason() : "failed";
                String detail = status.getMessage() != null ? ": " + status.getMessage() : "";
                failures.add(new Failure(rank, Instant.MAX, who + " failed: " + why + detail));
            }
        }
        return failures.stream()
                .min(Comparator.comparing(Failure::at).thenComparing(f -> f.rank() < 0 ? Integer.MAX_VALUE : f.rank()))
                .map(f -> GangStatus.failed(f.rank(), f.reason()));
    }

    private boolean allSucceeded() {
        return pods.stream().filter(p -> "Succeeded".equals(phase(p))).map(AttemptObservation::rank)
                .filter(r -> r >= 0 && r < request.workers()).distinct().count() == request.workers();
    }

    private Optional<GangStatus> notJoined() {
        Map<Integer, String> missing = new TreeMap<>();
        for (int rank = 0; rank < request.workers(); rank++) {
            missing.put(rank, "no pod");
        }
        for (Pod pod : pods) {
            int rank = rank(pod);
            String phase = phase(pod);
            if ("Running".equals(phase) || "Succeeded".equals(phase)) {
                missing.remove(rank);
            } else if (missing.containsKey(rank)) {
                missing.put(rank, pending(pod));
            }
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        String after = " of " + request.workers() + " not running after " + human(request.joinTimeout()) + ": ";
        int first = missing.keySet().iterator().next();
        if (missing.size() == 1) {
            return Optional.of(GangStatus.failed(first, "rank " + first + after + missing.get(first)));
        }
        String ranks = missing.keySet().stream().map(String::valueOf).collect(Collectors.joining(", "));
        String each = missing.entrySet().stream().map(e -> "rank " + e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        return Optional.of(GangStatus.failed(first, "ranks " + ranks + after + each));
    }

    /** {@code Pending (Unschedulable)}, {@code Pending (ImagePullBackOff)}: the phase and why it is stuck. */
    private static String pending(Pod pod) {
        String phase = phase(pod) != null ? phase(pod) : "Pending";
        PodStatus status = pod.getStatus();
        if (status == null) {
            return phase;
        }
        Optional<String> unscheduled = status.getConditions().stream()
                .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
                .map(PodCondition::getReason).filter(r -> r != null).findFirst();
        Optional<String> waiting = status.getContainerStatuses().stream()
                .map(c -> c.getState() != null ? c.getState().getWaiting() : null).filter(w -> w != null)
                .map(ContainerStateWaiting::getReason).filter(r -> r != null).findFirst();
        return unscheduled.or(() -> waiting).map(r -> phase + " (" + r + ")").orElse(phase);
    }

    private static Optional<ContainerStateTerminated> terminatedWithError(PodStatus status) {
        if (status == null) {
            return Optional.empty();
        }
        return status.getContainerStatuses().stream()
                .map(ContainerStatus::getState).filter(s -> s != null && s.getTerminated() != null)
                .map(s -> s.getTerminated())
                .filter(t -> t.getExitCode() != null && t.getExitCode() != 0)
                .findFirst();
    }

    /** The pod's completion index: the annotation the Job controller always sets, else the label newer ones add. */
    static int rank(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        Map<String, String> labels = pod.getMetadata().getLabels();
        String index = annotations != null ? annotations.get(GangJobSet.COMPLETION_INDEX) : null;
        if (index == null && labels != null) {
            index = labels.get(GangJobSet.COMPLETION_INDEX);
        }
        try {
            return index != null ? Integer.parseInt(index) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String phase(Pod pod) {
        return pod.getStatus() != null ? pod.getStatus().getPhase() : null;
    }

    @SuppressWarnings("unchecked")
    private Optional<Map<String, Object>> condition(String type) {
        Object conditions = jobSet.get("status", "conditions");
        if (!(conditions instanceof List<?> list)) {
            return Optional.empty();
        }
        return list.stream().filter(c -> c instanceof Map<?, ?>).map(c -> (Map<String, Object>) c)
                .filter(c -> type.equals(c.get("type")) && "True".equals(c.get("status")))
                .findFirst();
    }

    private static String describe(Map<String, Object> condition) {
        Object reason = condition.get("reason");
        Object message = condition.get("message");
        return (reason != null ? reason : "no reason given") + (message != null ? ": " + message : "");
    }

    private static Instant instant(String timestamp) {
        try {
            return timestamp != null ? Instant.parse(timestamp) : Instant.MAX;
        } catch (DateTimeParseException e) {
            return Instant.MAX;
        }
    }

    /** {@code 10m}, {@code 30s}, {@code 250ms}: durations as people write them. */
    static String human(Duration d) {
        if (d.toMillis() % 60_000 == 0 && !d.isZero()) {
            long minutes = d.toMinutes();
            return minutes % 60 == 0 ? minutes / 60 + "h" : minutes + "m";
        }
        if (d.toMillis() % 1_000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }
}
