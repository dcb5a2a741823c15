package io.embedflow.djl.collective;

import java.util.concurrent.locks.LockSupport;

/**
 * What the two threads of one operation tell each other: how many floats the receiver has applied
 * (the sender may forward that far), and whether either side failed (the other then stops). The
 * receiver publishes with a volatile write and unparks the sender; the sender waits by parking, so
 * a hand-off costs no lock and no allocation.
 */
final class RingProgress {
    private final String what;
    private volatile long received;
    private volatile RuntimeException failure;
    private volatile Thread waitingSender;

    RingProgress(String what) {
        this.what = what;
    }

    String what() {
        return what;
    }

    /** The receiver applied {@code floats} more floats. */
    void received(int floats) {
        received += floats;   // one writer: the receiver
        Thread sender = waitingSender;
        if (sender != null) {
            LockSupport.unpark(sender);
        }
    }

    long received() {
        return received;
    }

    /**
     * Parks the calling sender until more than {@code floats} floats were received, a side failed, or
     * {@code nanos} passed; returns whether it may go on.
     */
    boolean awaitReceivedBeyond(long floats, long nanos) {
        long deadline = System.nanoTime() + nanos;
        waitingSender = Thread.currentThread();
        try {
            while (received <= floats && failure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || Thread.currentThread().isInterrupted()) {
                    return false;
                }
                LockSupport.parkNanos(this, left);
            }
            return failure == null;
        } finally {
            waitingSender = null;
        }
    }

    /** Records the first failure of either side; the other sees it at its next wait. */
    void fail(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
        Thread sender = waitingSender;
        if (sender != null) {
            LockSupport.unpark(sender);
        }
    }

    RuntimeException failure() {
        return failure;
    }
}
