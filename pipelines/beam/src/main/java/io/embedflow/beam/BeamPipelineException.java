package io.embedflow.beam;

/** A Beam transform of embedflow refused its configuration or its input; the message names the field, file or row. */
public class BeamPipelineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BeamPipelineException(String message) {
        super(message);
    }

    public BeamPipelineException(String message, Throwable cause) {
        super(message, cause);
    }
}
