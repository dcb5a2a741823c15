package io.embedflow.djl;

/** The one exception type of djl-ops: its message names the model file, option or input at fault. */
public class DjlOpsException extends RuntimeException {
    public DjlOpsException(String message) {
        super(message);
    }

    public DjlOpsException(String message, Throwable cause) {
        super(message, cause);
    }
}
