package io.embedflow.orchestrator;

/**
 * The one exception type of the orchestrator module. Its message is a single sentence that
 * names the offending thing (a model reference, a file, a run id) and never contains secrets;
 * the cause, when present, carries the lower-level detail.
 */
public class OrchestratorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public OrchestratorException(String message) {
        super(message);
    }

    public OrchestratorException(String message, Throwable cause) {
        super(message, cause);
    }
}
