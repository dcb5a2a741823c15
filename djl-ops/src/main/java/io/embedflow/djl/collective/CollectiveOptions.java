package io.embedflow.djl.collective;

import java.time.Duration;
import java.util.Objects;

/**
 * How a gang's collective waits and moves bytes. Every field has a default; change the ones you
 * need:
 * <pre>{@code
 * CollectiveOptions options = CollectiveOptions.builder()
 *         .optJoinTimeout(Duration.ofMinutes(2))
 *         .optStepTimeout(Duration.ofSeconds(60))
 *         .build();
 * }</pre>
 *
 * @param joinTimeout how long the rendezvous waits for every rank to join (the coordinator's
 *     deadline, and each member's bound on reaching the coordinator and on its answer)
 * @param stepTimeout how long an operation may go without progress, in either direction, before it
 *     fails naming the silent neighbour; also bounds the ring's connection set-up. It must cover the
 *     longest gap between members' submissions of the same bucket (a slow member's backward pass).
 * @param chunkBytes the size of each staging buffer (one to send, one to receive, both direct and
 *     reused); a multiple of 4 of at least 4 KiB
 * @param socketBufferBytes {@code SO_SNDBUF} and {@code SO_RCVBUF} of the ring's sockets; 0 (the default)
 *     leaves them to the kernel's auto-tuning, which on Linux grows them up to the maxima of
 *     {@code net.ipv4.tcp_wmem} and {@code tcp_rmem}, while an explicit size is capped by the usually
 *     smaller {@code net.core.wmem_max} and {@code rmem_max} and turns auto-tuning off
 * @param maxPendingBuckets buckets submitted and not yet reduced before {@code submit} blocks
 */
public record CollectiveOptions(Duration joinTimeout, Duration stepTimeout, int chunkBytes, int socketBufferBytes,
        int maxPendingBuckets) {
    private static final CollectiveOptions DEFAULTS = new CollectiveOptions(Duration.ofMinutes(3), Duration.ofMinutes(5),
            1 << 20, 0, 1024);

    public CollectiveOptions {
        Objects.requireNonNull(joinTimeout, "joinTimeout");
        Objects.requireNonNull(stepTimeout, "stepTimeout");
        if (joinTimeout.isNegative() || joinTimeout.isZero() || stepTimeout.isNegative() || stepTimeout.isZero()) {
            throw new GangException("join and step timeouts must be positive, were " + joinTimeout + " and " + stepTimeout);
        }
        if (chunkBytes < 4096 || chunkBytes % 4 != 0) {
            throw new GangException("chunk bytes must be a multiple of 4 of at least 4096, was " + chunkBytes);
        }
        if (socketBufferBytes < 0) {
            throw new GangException("socket buffer bytes must be 0 (kernel default) or positive, was " + socketBufferBytes);
        }
        if (maxPendingBuckets < 1) {
            throw new GangException("max pending buckets must be at least 1, was " + maxPendingBuckets);
        }
    }

    public static CollectiveOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return DEFAULTS.toBuilder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link CollectiveOptions}; every setting is optional. */
    public static final class Builder {
        private Duration joinTimeout;
        private Duration stepTimeout;
        private int chunkBytes;
        private int socketBufferBytes;
        private int maxPendingBuckets;

        private Builder(CollectiveOptions from) {
            joinTimeout = from.joinTimeout;
            stepTimeout = from.stepTimeout;
            chunkBytes = from.chunkBytes;
            socketBufferBytes = from.socketBufferBytes;
            maxPendingBuckets = from.maxPendingBuckets;
        }

        public Builder optJoinTimeout(Duration timeout) {
            joinTimeout = timeout;
            return this;
        }

        public Builder optStepTimeout(Duration timeout) {
            stepTimeout = timeout;
            return this;
        }

        public Builder optChunkBytes(int bytes) {
            chunkBytes = bytes;
            return this;
        }

        public Builder optSocketBufferBytes(int bytes) {
            socketBufferBytes = bytes;
            return this;
        }

        public Builder optMaxPendingBuckets(int buckets) {
            maxPendingBuckets = buckets;
            return this;
        }

        public CollectiveOptions build() {
            return new CollectiveOptions(joinTimeout, stepTimeout, chunkBytes, socketBufferBytes, maxPendingBuckets);
        }
    }
}
