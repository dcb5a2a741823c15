package io.embedflow.djl.collective;

import java.util.concurrent.locks.LockSupport;

/**
 * What the two threads of one operation tell each other: how many floats the receiver has applied
 * (the sender may forward that far), and whether either side failed (the other then stops). The
 * receiver publishes with a volatile write; a sender with nothing to send parks until a whole
 * batch it asked for is ready, and only then is it unparked, so that the threads hand over about
 * once per staging buffer rather than once per read (each hand-off is a wake-up, and costly on a
 * busy machine).
 */
final class RingProgress {
    private final String what;
    private volatile long received;
    private volatile RuntimeException failure;
    private volatile Thread waitingSender;
    private volatile long wakeAt;

    RingProgress(String what) {
        this.what = what;
    }

    String what() {
        return what;
    }

    /** The receiver applied {@code floats} more floats. */
    void received(int floats) {
        long now = received + floats;   // one writer: the receiver
        received = now;
        Thread sender = waitingSender;
        if (sender != null && now >= wakeAt) {
            LockSupport.unpark(sender);
        }
    }

    long received() {
        return received;
    }

    /**
     * Parks the calling sender until at least {@code floats} floats were received, a side failed, or
     * {@code nanos} passed; returns whether it may go on.
     */
    boolean awaitReceived(long floats, long nanos) {
        long deadline = System.nanoTime() + nanos;
        wakeAt = floats;
        waitingSender = Thread.currentThread();
        try {
            while (received < floats && failure == null) {
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
