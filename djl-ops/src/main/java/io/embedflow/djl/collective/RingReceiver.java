package io.embedflow.djl.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;

/**
 * The receiving half of a member's ring all-reduce, on the communication thread: reads from the
 * previous rank into one reused direct buffer, checks each operation's header against its own,
 * and applies every whole float as it arrives (added in the reduce-scatter, divided by N after its
 * last step, stored in the all-gather), then tells the sender how far it got ({@link RingProgress}).
 * Bytes of the previous rank's next operation that arrive early stay in the buffer for it.
 */
final class RingReceiver implements AutoCloseable {
    private final int rank;
    private final int n;
    private final RingLinks links;
    private final Duration stepTimeout;
    private final Selector selector;
    private final SelectionKey key;
    private final ByteBuffer bytes;
    private final FloatBuffer floats;
    private final float[] incoming;
    private final float[] current;

    // the operation in progress
    private long operation;
    private RingSchedule schedule;
    private RingTarget target;
    private RingProgress progress;
    private boolean headerReceived;
    private int step;
    private int pos;

    RingReceiver(int rank, int n, RingLinks links, CollectiveOptions options) throws IOException {
        this.rank = rank;
        this.n = n;
        this.links = links;
        this.stepTimeout = options.stepTimeout();
        this.bytes = ByteBuffer.allocateDirect(options.chunkBytes()).order(ByteOrder.LITTLE_ENDIAN);
        this.floats = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear().asFloatBuffer();
        this.incoming = new float[options.chunkBytes() / Float.BYTES];
        this.current = new float[options.chunkBytes() / Float.BYTES];
        this.selector = Selector.open();
        try {
            this.key = links.fromPrevious().register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    /** Receives and applies one operation; returns when every float is applied, or throws the failure (the sender's too). */
    void receive(long operation, RingSchedule schedule, RingTarget target, RingProgress progress) throws IOException {
        this.operation = operation;
        this.schedule = schedule;
        this.target = target;
        this.progress = progress;
        this.headerReceived = false;
        this.step = 0;
        this.pos = 0;
        try {
            consume();   // what arrived with the previous operation
            long lastProgress = System.nanoTime();
            while (!done()) {
                if (progress.failure() != null) {
                    throw progress.failure();
                }
                if (read() > 0) {
                    consume();
                    lastProgress = System.nanoTime();
                    continue;
                }
                long waitMs = (stepTimeout.toNanos() - (System.nanoTime() - lastProgress)) / 1_000_000;
                if (waitMs <= 0) {
                    throw new GangException("no data from rank " + links.previous() + " (" + Wire.hostPort(links.previousAddress())
                            + ") within " + Wire.format(stepTimeout) + " during " + progress.what());
                }
                selector.select(waitMs);
                selector.selectedKeys().clear();
                if (Thread.currentThread().isInterrupted()) {
                    throw new ClosedChannelException();
                }
            }
        } finally {
            this.target = null;
        }
    }

    private boolean done() {
        return headerReceived && step == schedule.steps();
    }

    private int read() throws IOException {
        int read;
        try {
            read = links.fromPrevious().read(bytes);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new GangException("rank " + links.previous() + " (" + Wire.hostPort(links.previousAddress())
                    + ") dropped the connection during " + progress.what() + ": " + e.getMessage(), e);
        }
        if (read < 0) {
            throw new GangException("rank " + links.previous() + " (" + Wire.hostPort(links.previousAddress())
                    + ") closed the connection during " + progress.what());
        }
        return read;
    }

    /** Applies every whole float received so far; keeps the rest (and any next operation's bytes) for later. */
    private void consume() {
        bytes.flip();
        try {
            if (!headerReceived) {
                if (bytes.remaining() < RingSender.HEADER_BYTES) {
                    return;
                }
                checkHeader();
                headerReceived = true;
            }
            while (step < schedule.steps()) {
                int segment = schedule.receiveSegment(step);
                int segmentLength = schedule.length(segment);
                if (pos == segmentLength) {
                    step++;
                    pos = 0;
                    continue;
                }
                int k = Math.min(bytes.remaining() / Float.BYTES, segmentLength - pos);
                if (k == 0) {
                    return;
                }
                int at = schedule.offset(segment) + pos;
                int from = bytes.position() / Float.BYTES;
                if (schedule.adds(step)) {
                    target.add(at, floats, from, k, schedule.divisor(step), incoming, current);
                } else {
                    target.store(at, floats, from, k);
                }
                bytes.position(bytes.position() + k * Float.BYTES);
                pos += k;
                progress.received(k);
            }
        } finally {
            bytes.compact();
        }
    }

    private void checkHeader() {
        int magic = bytes.getInt();
        long theirOperation = bytes.getLong();
        int theirLength = bytes.getInt();
        int sender = bytes.getInt();
        bytes.getInt();
        String previous = "rank " + links.previous() + " (" + Wire.hostPort(links.previousAddress()) + ")";
        if (magic != Wire.BUCKET_MAGIC || sender != links.previous()) {
            throw new GangException(previous + " sent bytes that are not a bucket header during " + progress.what()
                    + "; the ring lost its framing");
        }
        if (theirOperation != operation) {
            throw new GangException(previous + " is at operation " + theirOperation + " but rank " + rank + " is at "
                    + operation + " (" + progress.what() + "); every member must run the same sequence of operations");
        }
        if (theirLength != schedule.length()) {
            throw new GangException(progress.what() + ": " + previous + " submitted " + theirLength + " floats, rank " + rank
                    + " submitted " + schedule.length() + "; every member must submit the same sequence of bucket sizes");
        }
    }

    /** Wakes the receiver if it waits for the previous rank, so that it sees a failure or a close. */
    void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() {
        GangCoordinator.closeQuietly(selector);
    }
}
