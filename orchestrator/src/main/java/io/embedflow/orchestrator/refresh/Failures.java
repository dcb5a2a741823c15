package io.embedflow.orchestrator.refresh;

import org.apache.flink.util.SerializedThrowable;

/** Turns a failure that may have crossed Flink's RPC into the one sentence a user needs. */
public final class Failures {
    private Failures() {}

    /** The message of the innermost embedflow exception in the chain, else of the root cause. */
    public static String describe(Throwable failure) {
        String ours = null;
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String className = t instanceof SerializedThrowable s ? s.getOriginalErrorClassName() : t.getClass().getName();
            if (className.startsWith("io.embedflow.") && t.getMessage() != null) {
                ours = t.getMessage();
            }
            root = t;
            if (t.getCause() == t) {
                break;
            }
        }
        if (ours != null) {
            return ours;
        }
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m;
    }
}
