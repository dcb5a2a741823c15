package io.embedflow.orchestrator.serve;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.util.SerializedThrowable;

/**
 * Sorts a run's failure into a {@link FailureClass} from the exception classes and messages in its
 * cause chain (a job's failure crosses Flink's RPC as {@link SerializedThrowable}s that keep the
 * original class names) or, for a failure known only as text (a run record's error, a remote job's
 * exception history), from the text.
 *
 * <p>Preemption is looked for first, since a lost task manager also shows up as refused or reset
 * connections; anything that matches neither list is {@link FailureClass#FATAL}: retrying what is
 * not known to pass would only delay the error. Pure and thread-safe.
 */
public final class FailureClassifier {

    /** The class and what in the failure gave it away. */
    public record Verdict(FailureClass failureClass, String evidence) {
    }

    private record Rule(FailureClass failureClass, Pattern pattern) {
    }

    private static final List<Rule> RULES = List.of(
            // a task manager went away, or the cluster could not give the job its slots back
            preemption("NoResourceAvailableException"),
            preemption("TaskManager with id \\S+ is no longer reachable"),
            preemption("(?i)heartbeat of task ?manager with id \\S+ timed out"),
            preemption("(?i)task ?executor \\S* ?is shutting down"),
            preemption("(?i)task ?manager \\S* ?(was )?(lost|disconnected|released|terminated)"),
            preemption("(?i)lost connection to task ?manager"),
            preemption("(?i)connection unexpectedly closed by remote task manager"),
            preemption("PartitionNotFoundException"),
            preemption("(?i)(pod|container) \\S+ (was )?(evicted|preempted)"),
            preemption("(?i)the serve process running it stopped"),
            // the operator resource of a running job went away without being cancelled from here
            preemption("(FlinkSessionJob|FlinkDeployment) \\S+ was deleted before"),
            // the network, a store or the cluster's front door, for a moment
            transientFailure("java\\.net\\.(ConnectException|SocketTimeoutException|NoRouteToHostException|UnknownHostException)"),
            transientFailure("java\\.net\\.http\\.Http(Connect)?TimeoutException"),
            transientFailure("(?i)connection (refused|reset)"),
            transientFailure("(?i)ConnectionClosedException"),
            transientFailure("(?i)leader election|leader (is )?not (yet )?(available|retrieved)"),
            transientFailure("(?i)\\bSlowDown\\b|throttl|TooManyRequests|Rate exceeded"),
            transientFailure("(?i)status code:? (429|500|502|503|504)\\b"),
            transientFailure("(?i)\\b(503 Service Unavailable|InternalError|ServiceUnavailable|RequestTimeout)\\b"),
            transientFailure("software\\.amazon\\.awssdk\\.core\\.exception\\.ApiCall(Attempt)?TimeoutException"),
            transientFailure("(?i)unable to execute HTTP request"),
            transientFailure("SQLITE_BUSY|(?i)database is locked"),
            // a job's cluster or jar was not there in time: pods pending for want of nodes or GPUs, an image still pulling
            transientFailure("did not start within"));

    private FailureClassifier() {
    }

    /** The class of {@code failure}, judged from every exception in its cause chain. */
    public static Verdict classify(Throwable failure) {
        List<String> lines = new ArrayList<>();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, true) == null; t = t.getCause()) {
            String name = t instanceof SerializedThrowable s ? s.getOriginalErrorClassName() : t.getClass().getName();
            lines.add(name + ": " + (t.getMessage() == null ? "" : t.getMessage()));
        }
        return classify(String.join("\n", lines));
    }

    /** The class of a failure known only as text: an error message, a stack trace. */
    public static Verdict classify(String text) {
        if (text != null) {
            for (Rule rule : RULES) {
                var m = rule.pattern().matcher(text);
                if (m.find()) {
                    return new Verdict(rule.failureClass(), m.group());
                }
            }
        }
        return new Verdict(FailureClass.FATAL, "no sign of a passing cause");
    }

    private static Rule preemption(String regex) {
        return new Rule(FailureClass.PREEMPTION, Pattern.compile(regex));
    }

    private static Rule transientFailure(String regex) {
        return new Rule(FailureClass.TRANSIENT, Pattern.compile(regex));
    }
}
