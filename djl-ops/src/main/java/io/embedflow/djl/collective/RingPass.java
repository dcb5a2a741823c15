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
 * One member's part of a ring all-reduce (mean), on the communication thread: reduce-scatter then
 * all-gather, {@code N - 1} steps each, over the member's two non-blocking links driven by one
 * selector, so that sending and receiving never wait on each other and the ring cannot deadlock.
 *
 * <p>The buffer is cut into {@code N} segments whose lengths differ by at most one float (some are
 * empty when the buffer has fewer floats than members). In reduce-scatter step {@code t} a member
 * sends segment {@code rank - t} and adds what it receives into segment {@code rank - t - 1}; after
 * the last step it owns the sum of segment {@code rank + 1} and divides it by {@code N}. In
 * all-gather step {@code t} it sends segment {@code rank + 1 - t} and stores what it receives into
 * segment {@code rank - t}. What a member sends in a step is what it received in the step before,
 * so sending streams: a float goes out as soon as it has been received and reduced, in chunks of
 * the staging buffers, not a whole step later. Every member ends with the same bits, those of the
 * segment's owner.
 *
 * <p>Each operation's bytes on a link start with a 24-byte header (magic, operation number, floats,
 * sender's rank) that the receiver checks against its own operation, so members that submitted
 * different sizes fail instead of mixing buckets. Bytes of the neighbour's next operation that
 * arrive early stay in the receive buffer for that operation.
 *
 * <p>Not thread-safe: one thread runs every operation. The staging buffers are direct and reused.
 */
final class RingPass implements AutoCloseable {
    private static final int HEADER_BYTES = 24;

    private final int rank;
    private final int n;
    private final RingLinks links;
    private final Duration stepTimeout;
    private final Selector selector;
    private final SelectionKey sendKey;
    private final SelectionKey receiveKey;
    private final ByteBuffer sendBytes;
    private final ByteBuffer receiveBytes;
    private final FloatBuffer sendFloats;
    private final FloatBuffer receiveFloats;
    private final float[] incoming;
    private final float[] current;
    private final int totalSteps;

    // the operation in progress
    private String what;
    private FloatBuffer buffer;
    private float[] array;
    private int bufferBase;
    private int arrayBase;
    private int length;
    private int segmentBase;
    private int segmentRemainder;
    private int sendStep;
    private int sendPos;
    private int sendFilled;
    private int receiveStep;
    private int receivePos;
    private boolean headerReceived;

    RingPass(int rank, int n, RingLinks links, CollectiveOptions options) throws IOException {
        this.rank = rank;
        this.n = n;
        this.links = links;
        this.stepTimeout = options.stepTimeout();
        this.totalSteps = 2 * (n - 1);
        this.sendBytes = ByteBuffer.allocateDirect(options.chunkBytes()).order(ByteOrder.LITTLE_ENDIAN);
        this.receiveBytes = ByteBuffer.allocateDirect(options.chunkBytes()).order(ByteOrder.LITTLE_ENDIAN);
        this.sendFloats = sendBytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear().asFloatBuffer();
        this.receiveFloats = receiveBytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear().asFloatBuffer();
        this.incoming = new float[options.chunkBytes() / Float.BYTES];
        this.current = new float[options.chunkBytes() / Float.BYTES];
        this.selector = Selector.open();
        try {
            this.sendKey = links.toNext().register(selector, 0);
            this.receiveKey = links.fromPrevious().register(selector, 0);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    /**
     * Replaces {@code length} floats of {@code data} from absolute index {@code offset} by their mean
     * over the gang; blocks until done.
     *
     * @param operation the operation's number, the same on every member
     * @param what the operation for messages, such as {@code all-reduce of bucket 7}
     */
    void allReduceMean(long operation, FloatBuffer data, int offset, int length, String what) {
        begin(data, offset, length, what);
        try {
            run(operation);
        } catch (ClosedChannelException e) {
            throw new GangException("the collective was closed during " + what, e);
        } catch (IOException e) {
            throw new GangException("rank " + rank + ": I/O failed during " + what + ": " + e, e);
        } finally {
            buffer = null;
            array = null;
        }
    }

    private void begin(FloatBuffer data, int offset, int length, String what) {
        this.what = what;
        this.buffer = data;
        this.bufferBase = offset;
        this.array = data.hasArray() ? data.array() : null;
        this.arrayBase = data.hasArray() ? data.arrayOffset() + offset : 0;
        this.length = length;
        this.segmentBase = length / n;
        this.segmentRemainder = length % n;
        this.sendStep = 0;
        this.sendPos = 0;
        this.receiveStep = 0;
        this.receivePos = 0;
        this.headerReceived = false;
    }

    private void run(long operation) throws IOException {
        sendBytes.clear();
        sendBytes.putInt(Wire.BUCKET_MAGIC).putLong(operation).putInt(length).putInt(rank).putInt(0);
        sendFilled = HEADER_BYTES / Float.BYTES;
        fill();
        sendBytes.position(0).limit(sendFilled * Float.BYTES);
        consume(operation);   // bytes of this operation that arrived with the last one
        long lastProgress = System.nanoTime();
        while (true) {
            if (!sendBytes.hasRemaining()) {
                sendFilled = 0;
                fill();
                sendBytes.position(0).limit(sendFilled * Float.BYTES);
            }
            boolean wantWrite = sendBytes.hasRemaining();
            boolean wantRead = !headerReceived || receiveStep < totalSteps;
            if (!wantWrite && !wantRead) {
                return;
            }
            boolean progressed = false;
            if (wantWrite) {
                progressed = write() > 0;
            }
            if (wantRead) {
                int read = read();
                if (read > 0) {
                    consume(operation);
                    progressed = true;
                }
            }
            if (progressed) {
                lastProgress = System.nanoTime();
                continue;
            }
            long waitMs = (stepTimeout.toNanos() - (System.nanoTime() - lastProgress)) / 1_000_000;
            if (waitMs <= 0) {
                throw stalled(wantRead, wantWrite);
            }
            sendKey.interestOps(wantWrite ? SelectionKey.OP_WRITE : 0);
            receiveKey.interestOps(wantRead ? SelectionKey.OP_READ : 0);
            selector.select(waitMs);
            selector.selectedKeys().clear();
            if (!selector.isOpen() || Thread.currentThread().isInterrupted()) {
                throw new ClosedChannelException();
            }
        }
    }

    private int write() throws IOException {
        try {
            return links.toNext().write(sendBytes);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new GangException("rank " + links.next() + " (" + Wire.hostPort(links.nextAddress())
                    + ") dropped the connection during " + what + ": " + e.getMessage(), e);
        }
    }

    private int read() throws IOException {
        int read;
        try {
            read = links.fromPrevious().read(receiveBytes);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new GangException("rank " + links.previous() + " (" + Wire.hostPort(links.previousAddress())
                    + ") dropped the connection during " + what + ": " + e.getMessage(), e);
        }
        if (read < 0) {
            throw new GangException("rank " + links.previous() + " (" + Wire.hostPort(links.previousAddress())
                    + ") closed the connection during " + what);
        }
        return read;
    }

    private GangException stalled(boolean wantRead, boolean wantWrite) {
        String next = "rank " + links.next() + " (" + Wire.hostPort(links.nextAddress()) + ")";
        String previous = "rank " + links.previous() + " (" + Wire.hostPort(links.previousAddress()) + ")";
        String limit = Wire.format(stepTimeout);
        if (!wantRead) {
            return new GangException(next + " took no data within " + limit + " during " + what);
        }
        return new GangException("no data from " + previous + " within " + limit + " during " + what
                + (wantWrite ? " (and " + next + " took none)" : ""));
    }

    /** Stages the floats that may be sent now (up to the buffer's room) behind what is already staged. */
    private void fill() {
        int room = sendFloats.capacity() - sendFilled;
        while (sendStep < totalSteps && room > 0) {
            int segment = sendSegment(sendStep);
            int segmentLength = segmentLength(segment);
            if (sendPos == segmentLength) {
                sendStep++;
                sendPos = 0;
                continue;
            }
            int ready = sendStep == 0 || receiveStep >= sendStep ? segmentLength
                    : receiveStep == sendStep - 1 ? receivePos : 0;
            if (ready <= sendPos) {
                return;
            }
            int k = Math.min(room, ready - sendPos);
            int from = segmentOffset(segment) + sendPos;
            if (array != null) {
                sendFloats.put(sendFilled, array, arrayBase + from, k);
            } else {
                sendFloats.put(sendFilled, buffer, bufferBase + from, k);
            }
            sendFilled += k;
            sendPos += k;
            room -= k;
        }
    }

    /** Applies every whole float received so far to the operation's buffer; keeps the rest for later. */
    private void consume(long operation) {
        receiveBytes.flip();
        try {
            if (!headerReceived) {
                if (receiveBytes.remaining() < HEADER_BYTES) {
                    return;
                }
                checkHeader(operation);
                headerReceived = true;
            }
            while (receiveStep < totalSteps) {
                int segment = receiveSegment(receiveStep);
                int segmentLength = segmentLength(segment);
                if (receivePos == segmentLength) {
                    receiveStep++;
                    receivePos = 0;
                    continue;
                }
                int k = Math.min(receiveBytes.remaining() / Float.BYTES, segmentLength - receivePos);
                if (k == 0) {
                    return;
                }
                int at = segmentOffset(segment) + receivePos;
                int from = receiveBytes.position() / Float.BYTES;
                if (receiveStep < n - 1) {
                    accumulate(at, from, k, receiveStep == n - 2);
                } else if (array != null) {
                    receiveFloats.get(from, array, arrayBase + at, k);
                } else {
                    buffer.put(bufferBase + at, receiveFloats, from, k);
                }
                receiveBytes.position(receiveBytes.position() + k * Float.BYTES);
                receivePos += k;
            }
        } finally {
            receiveBytes.compact();
        }
    }

    /** Adds {@code k} received floats into the buffer from index {@code at}; the last reduce-scatter step also divides by N. */
    private void accumulate(int at, int from, int k, boolean last) {
        receiveFloats.get(from, incoming, 0, k);
        float[] target;
        int base;
        if (array != null) {
            target = array;
            base = arrayBase + at;
        } else {
            buffer.get(bufferBase + at, current, 0, k);
            target = current;
            base = 0;
        }
        if (last) {
            float members = n;
            for (int i = 0; i < k; i++) {
                target[base + i] = (target[base + i] + incoming[i]) / members;
            }
        } else {
            for (int i = 0; i < k; i++) {
                target[base + i] += incoming[i];
            }
        }
        if (array == null) {
            buffer.put(bufferBase + at, current, 0, k);
        }
    }

    private void checkHeader(long operation) {
        int magic = receiveBytes.getInt();
        long theirOperation = receiveBytes.getLong();
        int theirLength = receiveBytes.getInt();
        int sender = receiveBytes.getInt();
        receiveBytes.getInt();
        String previous = "rank " + links.previous() + " (" + Wire.hostPort(links.previousAddress()) + ")";
        if (magic != Wire.BUCKET_MAGIC || sender != links.previous()) {
            throw new GangException(previous + " sent bytes that are not a bucket header during " + what
                    + "; the ring lost its framing");
        }
        if (theirOperation != operation) {
            throw new GangException(previous + " is at operation " + theirOperation + " but rank " + rank + " is at "
                    + operation + " (" + what + "); every member must run the same sequence of operations");
        }
        if (theirLength != length) {
            throw new GangException(what + ": " + previous + " submitted " + theirLength + " floats, rank " + rank
                    + " submitted " + length + "; every member must submit the same sequence of bucket sizes");
        }
    }

    private int sendSegment(int step) {
        return step < n - 1 ? Math.floorMod(rank - step, n) : Math.floorMod(rank + 1 - (step - (n - 1)), n);
    }

    private int receiveSegment(int step) {
        return step < n - 1 ? Math.floorMod(rank - step - 1, n) : Math.floorMod(rank - (step - (n - 1)), n);
    }

    private int segmentOffset(int segment) {
        return segment * segmentBase + Math.min(segment, segmentRemainder);
    }

    private int segmentLength(int segment) {
        return segmentBase + (segment < segmentRemainder ? 1 : 0);
    }

    /** Closes the selector; a thread blocked in an operation wakes and fails. The links are the caller's. */
    @Override
    public void close() {
        GangCoordinator.closeQuietly(selector);
    }

    /** Wakes the communication thread if it is waiting, so that it sees a close. */
    void wakeup() {
        selector.wakeup();
    }
}
