package io.embedflow.djl.collective;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A submitted bucket: done once it holds the gang's mean, or once its operation (or one before it)
 * failed. Completion is bounded: the communication thread fails an operation that makes no progress
 * for the step timeout, and {@link Collective#close()} fails every pending one.
 */
public final class PendingReduce {
    private final long operation;
    private final int floats;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    PendingReduce(long operation, int floats) {
        this.operation = operation;
        this.floats = floats;
    }

    /** The operation's number in this collective, counted from 0 and the same on every member. */
    public long operation() {
        return operation;
    }

    public int floats() {
        return floats;
    }

    public boolean isDone() {
        return done.isDone();
    }

    /**
     * Waits until the bucket holds the mean.
     *
     * @throws GangException with the failure's message, and the failure as its cause
     */
    public void await() {
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GangException("interrupted while waiting for operation " + operation, e);
        } catch (ExecutionException e) {
            throw new GangException(e.getCause().getMessage(), e.getCause());
        }
    }

    void complete() {
        done.complete(null);
    }

    void fail(GangException failure) {
        done.completeExceptionally(failure);
    }
}
