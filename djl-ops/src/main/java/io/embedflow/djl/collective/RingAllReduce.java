package io.embedflow.djl.collective;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.FloatBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.util.ArrayDeque;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gang's {@link Collective} over a ring of TCP links: joins the rendezvous, connects to its
 * ring neighbours, and runs operations one after another, in submission order, on its communication
 * thread, which receives and reduces while a second thread sends ({@link RingPass} has the
 * algorithm). Submitted operations wait in a queue of {@link CollectiveOptions#maxPendingBuckets()}.
 * A gang of one member needs no network: its operations complete at once, unchanged.
 *
 * <pre>{@code
 * GangMember me = GangMember.fromEnvironment();   // rank 0 also starts the rendezvous coordinator
 * try (Collective gang = RingAllReduce.join(me, CollectiveOptions.defaults())) {
 *     gang.allReduceMean(gradients);
 * }
 * }</pre>
 */
public final class RingAllReduce implements Collective {
    private static final Logger LOG = LoggerFactory.getLogger(RingAllReduce.class);
    private static final long CLOSE_WAIT_MS = 10_000;

    private record Operation(PendingReduce handle, FloatBuffer data, int offset, int length, String what, boolean mean) {}

    private final GangMember member;
    private final CollectiveOptions options;
    private final RingLinks links;
    private final RingPass pass;
    private final Thread thread;
    private final ArrayDeque<Operation> queue = new ArrayDeque<>();
    private final float[] barrierFloat = new float[1];
    // guarded by this
    private long nextOperation;
    private PendingReduce last;
    private GangException failure;
    private boolean closed;

    private RingAllReduce(GangMember member, CollectiveOptions options, RingLinks links, RingPass pass) {
        this.member = member;
        this.options = options;
        this.links = links;
        this.pass = pass;
        if (pass == null) {
            this.thread = null;
        } else {
            this.thread = new Thread(this::communicate, "embedflow-gang-" + member.gangId() + "-rank" + member.rank() + "-ring");
            this.thread.setDaemon(true);
            this.thread.start();
        }
    }

    /**
     * Joins the gang and returns once this member is linked to its ring neighbours. Rank 0 starts the
     * rendezvous coordinator at {@code member.coordinator()} and stops it once the ring is up.
     *
     * @throws GangException if a rank did not join within the join timeout (naming it), this member
     *     was refused (another gang, its rank taken, another world size), or a neighbour could not be reached
     */
    public static RingAllReduce join(GangMember member, CollectiveOptions options) {
        if (member.worldSize() == 1) {
            return new RingAllReduce(member, options, null, null);
        }
        if (member.rank() != 0) {
            return connect(member, member.coordinator(), options);
        }
        try (GangCoordinator coordinator = GangCoordinator.start(member, options)) {
            return join(member, options, coordinator);
        }
    }

    /**
     * Rank 0's join with a coordinator the caller started (and closes), such as one bound to port 0
     * whose port was then passed to the other members.
     */
    public static RingAllReduce join(GangMember member, CollectiveOptions options, GangCoordinator coordinator) {
        Objects.requireNonNull(coordinator, "coordinator");
        if (member.rank() != 0) {
            throw new GangException("only rank 0 runs the coordinator; rank " + member.rank() + " of gang " + member.gangId()
                    + " was given one");
        }
        if (member.worldSize() == 1) {
            return new RingAllReduce(member, options, null, null);
        }
        // connect by the name the members use, so the data listener binds the interface they reach
        InetSocketAddress address = InetSocketAddress.createUnresolved(member.coordinator().getHostString(),
                coordinator.address().getPort());
        return connect(member, address, options);
    }

    private static RingAllReduce connect(GangMember member, InetSocketAddress coordinator, CollectiveOptions options) {
        Rendezvous.Joined joined = Rendezvous.join(member, coordinator, options);
        RingLinks links;
        try {
            links = RingLinks.open(member, joined, options);
        } finally {
            GangCoordinator.closeQuietly(joined.listener());
        }
        try {
            RingPass pass = new RingPass(member, links, options);
            LOG.info("gang {} rank {} of {}: ring up, sending to rank {} at {}, receiving from rank {} at {}", member.gangId(),
                    member.rank(), member.worldSize(), links.next(), Wire.hostPort(links.nextAddress()), links.previous(),
                    Wire.hostPort(links.previousAddress()));
            return new RingAllReduce(member, options, links, pass);
        } catch (IOException | RuntimeException e) {
            links.close();
            throw new GangException("rank " + member.rank() + " of gang " + member.gangId() + ": cannot start the ring: " + e, e);
        }
    }

    @Override
    public GangMember member() {
        return member;
    }

    @Override
    public PendingReduce submitMean(float[] bucket) {
        return submit(FloatBuffer.wrap(bucket), 0, bucket.length, "all-reduce of bucket ", true);
    }

    @Override
    public PendingReduce submitMean(FloatBuffer bucket) {
        return submit(writable(bucket), bucket.position(), bucket.remaining(), "all-reduce of bucket ", true);
    }

    @Override
    public PendingReduce submitSum(float[] bucket) {
        return submit(FloatBuffer.wrap(bucket), 0, bucket.length, "all-reduce (sum) of bucket ", false);
    }

    @Override
    public PendingReduce submitSum(FloatBuffer bucket) {
        return submit(writable(bucket), bucket.position(), bucket.remaining(), "all-reduce (sum) of bucket ", false);
    }

    private FloatBuffer writable(FloatBuffer bucket) {
        if (bucket.isReadOnly()) {
            throw new GangException("rank " + member.rank() + ": cannot reduce into a read-only buffer");
        }
        return bucket;
    }

    @Override
    public void awaitAll() {
        PendingReduce waitFor;
        synchronized (this) {
            waitFor = last;
        }
        if (waitFor != null) {
            waitFor.await();   // operations finish in order, and a failure fails every later one
        }
    }

    @Override
    public void barrier() {
        barrierFloat[0] = 0;
        submit(FloatBuffer.wrap(barrierFloat), 0, 1, "barrier ", false).await();
    }

    private synchronized PendingReduce submit(FloatBuffer data, int offset, int length, String what, boolean mean) {
        while (queue.size() >= options.maxPendingBuckets() && failure == null && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GangException("rank " + member.rank() + " was interrupted while waiting to submit to gang "
                        + member.gangId(), e);
            }
        }
        checkUsable();
        long number = nextOperation++;
        PendingReduce handle = new PendingReduce(number, length);
        last = handle;
        if (pass == null) {
            handle.complete();   // the mean or sum over one member is the buffer itself
        } else {
            queue.add(new Operation(handle, data, offset, length, what + number, mean));
            notifyAll();
        }
        return handle;
    }

    private void checkUsable() {
        if (failure != null) {
            throw new GangException("gang " + member.gangId() + " rank " + member.rank() + ": the collective failed earlier: "
                    + failure.getMessage(), failure);
        }
        if (closed) {
            throw new GangException("gang " + member.gangId() + " rank " + member.rank() + ": the collective is closed");
        }
    }

    /** The communication thread: runs operations in order until the collective fails or closes. */
    private void communicate() {
        while (true) {
            Operation op;
            synchronized (this) {
                while (queue.isEmpty() && !closed && failure == null) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;   // close() interrupts; it fails what is queued
                    }
                }
                if (closed || failure != null) {
                    return;
                }
                op = queue.poll();
                notifyAll();
            }
            try {
                pass.allReduce(op.handle().operation(), op.data(), op.offset(), op.length(), op.what(), op.mean());
                op.handle().complete();
            } catch (GangException | ClosedSelectorException | CancelledKeyException e) {
                GangException failed = failed(op, e);
                op.handle().fail(failed);
                return;
            } catch (RuntimeException | Error e) {
                GangException failed = failed(op, new GangException("rank " + member.rank() + ": " + op.what() + " failed: " + e, e));
                op.handle().fail(failed);
                throw e;
            }
        }
    }

    /** Records the first failure, poisons the collective and closes the links so that the neighbours fail too. */
    private GangException failed(Operation op, RuntimeException cause) {
        GangException failure;
        synchronized (this) {
            if (closed) {
                failure = new GangException("gang " + member.gangId() + " rank " + member.rank() + ": the collective was closed during "
                        + op.what(), cause);
            } else {
                failure = cause instanceof GangException g ? g : new GangException(op.what() + " failed: " + cause, cause);
                failure = new GangException("gang " + member.gangId() + " rank " + member.rank() + ": " + failure.getMessage(), failure);
                this.failure = failure;
                LOG.warn("{}", failure.getMessage());
            }
            failQueued("the collective failed during " + op.what() + ": " + failure.getMessage(), failure);
            notifyAll();
        }
        links.close();
        return failure;
    }

    private void failQueued(String why, GangException cause) {
        for (Operation queued = queue.poll(); queued != null; queued = queue.poll()) {
            queued.handle().fail(new GangException("gang " + member.gangId() + " rank " + member.rank() + ": " + queued.what()
                    + " did not run: " + why, cause));
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            failQueued("the collective was closed", null);
            notifyAll();
        }
        if (pass == null) {
            return;
        }
        links.close();
        pass.wakeup();
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pass.close();
    }
}
