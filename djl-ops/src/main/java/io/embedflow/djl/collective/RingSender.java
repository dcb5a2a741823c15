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
 * The sending half of a member's ring all-reduce, on its own thread: writes each operation's header,
 * then the send stream of its {@link RingSchedule} to the next rank, staging floats into one reused
 * direct buffer. Step 0's segment is sent at once; later floats as soon as the receiver has applied
 * them ({@link RingProgress}). A full buffer is written out before more is staged; while nothing
 * more may be sent, what is staged goes out and the sender parks.
 */
final class RingSender implements AutoCloseable {
    static final int HEADER_BYTES = 24;

    private final int rank;
    private final RingLinks links;
    private final Duration stepTimeout;
    private final Selector selector;
    private final SelectionKey key;
    private final ByteBuffer bytes;
    private final FloatBuffer floats;

    RingSender(int rank, RingLinks links, CollectiveOptions options) throws IOException {
        this.rank = rank;
        this.links = links;
        this.stepTimeout = options.stepTimeout();
        this.bytes = ByteBuffer.allocateDirect(options.chunkBytes()).order(ByteOrder.LITTLE_ENDIAN);
        this.floats = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear().asFloatBuffer();
        this.selector = Selector.open();
        try {
            this.key = links.toNext().register(selector, 0);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    /** Sends one operation; returns when every byte is in the kernel's hands, or throws (and records) the failure. */
    void send(long operation, RingSchedule schedule, RingTarget target, RingProgress progress) throws IOException {
        bytes.clear();
        bytes.putInt(Wire.BUCKET_MAGIC).putLong(operation).putInt(schedule.length()).putInt(rank).putInt(0);
        int staged = HEADER_BYTES / Float.BYTES;
        long forwarded = 0;   // floats staged from steps after the first: at most what was received
        for (int step = 0; step < schedule.steps(); step++) {
            int segment = schedule.sendSegment(step);
            int segmentLength = schedule.length(segment);
            int offset = schedule.offset(segment);
            for (int pos = 0; pos < segmentLength; ) {
                long ready = step == 0 ? segmentLength - pos : Math.min(segmentLength - pos, progress.received() - forwarded);
                if (ready <= 0) {
                    flush(staged, progress);
                    staged = 0;
                    // wait for a buffer's worth (or the rest of the segment): the receiver delivers all of it in time
                    long batch = Math.min(floats.capacity(), segmentLength - pos);
                    if (!progress.awaitReceived(forwarded + batch, 2 * stepTimeout.toNanos())) {
                        throw aborted(progress);
                    }
                    continue;
                }
                int k = (int) Math.min(ready, floats.capacity() - staged);
                target.copyOut(offset + pos, floats, staged, k);
                staged += k;
                pos += k;
                if (step > 0) {
                    forwarded += k;
                }
                if (staged == floats.capacity()) {
                    flush(staged, progress);
                    staged = 0;
                }
            }
        }
        flush(staged, progress);
    }

    private RuntimeException aborted(RingProgress progress) {
        RuntimeException failure = progress.failure();
        return failure != null ? failure : new GangException("rank " + rank + ": the receiving side made no progress within "
                + Wire.format(stepTimeout.multipliedBy(2)) + " during " + progress.what());
    }

    /** Writes the first {@code staged} floats of the buffer, waiting (bounded) while the next rank takes none. */
    private void flush(int staged, RingProgress progress) throws IOException {
        bytes.position(0).limit(staged * Float.BYTES);
        long lastProgress = System.nanoTime();
        while (bytes.hasRemaining()) {
            if (progress.failure() != null) {
                throw progress.failure();
            }
            int written;
            try {
                written = links.toNext().write(bytes);
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException e) {
                throw new GangException("rank " + links.next() + " (" + Wire.hostPort(links.nextAddress())
                        + ") dropped the connection during " + progress.what() + ": " + e.getMessage(), e);
            }
            if (written > 0) {
                lastProgress = System.nanoTime();
                continue;
            }
            long waitMs = (stepTimeout.toNanos() - (System.nanoTime() - lastProgress)) / 1_000_000;
            if (waitMs <= 0) {
                throw new GangException("rank " + links.next() + " (" + Wire.hostPort(links.nextAddress()) + ") took no data within "
                        + Wire.format(stepTimeout) + " during " + progress.what());
            }
            key.interestOps(SelectionKey.OP_WRITE);
            selector.select(waitMs);
            selector.selectedKeys().clear();
            if (Thread.currentThread().isInterrupted()) {
                throw new ClosedChannelException();
            }
        }
        bytes.clear();
    }

    /** Wakes the sender if it waits for the next rank, so that it sees a failure or a close. */
    void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() {
        GangCoordinator.closeQuietly(selector);
    }
}
