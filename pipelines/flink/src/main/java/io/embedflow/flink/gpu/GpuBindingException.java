package io.embedflow.flink.gpu;

/** A subtask cannot be given a device: the message says which subtask, what it saw and what to change. */
public final class GpuBindingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GpuBindingException(String message) {
        super(message);
    }
}
