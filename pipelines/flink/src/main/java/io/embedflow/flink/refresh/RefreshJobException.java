package io.embedflow.flink.refresh;

/** The Flink pipelines' exception type: a refresh cannot go on, and the message says why. */
public class RefreshJobException extends RuntimeException {
    public RefreshJobException(String message) {
        super(message);
    }

    public RefreshJobException(String message, Throwable cause) {
        super(message, cause);
    }
}
