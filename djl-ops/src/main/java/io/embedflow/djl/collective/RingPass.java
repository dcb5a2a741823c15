package io.embedflow.djl.collective;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One member's part of a ring all-reduce (mean): reduce-scatter then all-gather, {@code N - 1} steps
 * each ({@link RingSchedule}). Sending and receiving run at once on two threads, so the ring cannot
 * deadlock however large the buffer, and each direction's copies get a core of their own: the
 * {@link RingSender} on a thread owned here, the {@link RingReceiver} on the caller's (the
 * collective's communication thread). A float goes out as soon as it has been received and reduced,
 * in chunks of the staging buffers, not a step later. Every member ends with the same bits, those of
 * each segment's owner.
 *
 * <p>Each operation's bytes on a link start with a 24-byte header (magic, operation number, floats,
 * sender's rank) that the receiver checks against its own operation, so members that submitted
 * different sizes fail instead of mixing buckets.
 *
 * <p>Operations run one at a time, from one thread. The staging buffers are direct and reused.
 */
final class RingPass implements AutoCloseable {
    private final int rank;
    private final int n;
    private final Duration stepTimeout;
    private final RingSender sender;
    private final RingReceiver receiver;
    private final ExecutorService sending;

    RingPass(GangMember member, RingLinks links, CollectiveOptions options) throws IOException {
        this.rank = member.rank();
        this.n = member.worldSize();
        this.stepTimeout = options.stepTimeout();
        this.sender = new RingSender(rank, links, options);
        try {
            this.receiver = new RingReceiver(rank, n, links, options);
        } catch (IOException | RuntimeException e) {
            sender.close();
            throw e;
        }
        String name = "embedflow-gang-" + member.gangId() + "-rank" + rank + "-send";
        this.sending = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Replaces {@code length} floats of {@code data} from absolute index {@code offset} by their mean
     * ({@code mean}) or sum over the gang; blocks until done.
     *
     * @param operation the operation's number, the same on every member
     * @param what the operation for messages, such as {@code all-reduce of bucket 7}
     */
    void allReduce(long operation, FloatBuffer data, int offset, int length, String what, boolean mean) {
        RingSchedule schedule = new RingSchedule(rank, n, length, mean);
        RingTarget target = new RingTarget(data, offset, length);
        RingProgress progress = new RingProgress(what);
        Future<?> sent = sending.submit(() -> {
            try {
                sender.send(operation, schedule, target, progress);
            } catch (IOException | RuntimeException e) {
                progress.fail(failure(e, what));
                receiver.wakeup();
            }
        });
        try {
            receiver.receive(operation, schedule, target, progress);
        } catch (IOException | RuntimeException e) {
            progress.fail(failure(e, what));
            sender.wakeup();
        }
        try {
            // bounded: the sender waits for the next rank at most a step timeout at a time, and stops on a failure
            sent.get(3 * stepTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            progress.fail(new GangException("the collective was closed during " + what, e));
        } catch (ExecutionException | TimeoutException e) {
            progress.fail(new GangException("rank " + rank + ": the sender did not finish " + what + ": " + e, e));
        }
        if (progress.failure() != null) {
            throw progress.failure();
        }
    }

    private RuntimeException failure(Exception e, String what) {
        if (e instanceof ClosedChannelException || e instanceof ClosedSelectorException || e instanceof CancelledKeyException) {
            return new GangException("the collective was closed during " + what, e);
        }
        if (e instanceof RuntimeException r) {
            return r;
        }
        return new GangException("rank " + rank + ": I/O failed during " + what + ": " + e, e);
    }

    /** Wakes both threads if they wait, so that they see a close. */
    void wakeup() {
        sender.wakeup();
        receiver.wakeup();
    }

    /** Stops the sending thread and closes the selectors; the links are the caller's. */
    @Override
    public void close() {
        sending.shutdownNow();
        try {
            sending.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.close();
        receiver.close();
    }
}
