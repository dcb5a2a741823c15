package io.embedflow.flink.incremental;

import io.embedflow.flink.refresh.RefreshJobException;

/** The base version of an incremental refresh cannot be used as it is (a file differs from what its manifest says). */
public final class IncrementalRefreshException extends RefreshJobException {
    private static final long serialVersionUID = 1L;

    public IncrementalRefreshException(String message) {
        super(message);
    }
}
