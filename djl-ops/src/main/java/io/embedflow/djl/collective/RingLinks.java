package io.embedflow.djl.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's two TCP links in the ring: one it sends on, to rank {@code rank + 1 mod N}, and one it
 * receives on, from rank {@code rank - 1 mod N} (with two members these are two sockets between the
 * same pair). The connecting side names its gang and rank first; the accepting side drops any
 * other connection and keeps waiting for its predecessor. Both links are left non-blocking.
 *
 * @param toNext the link this member sends on
 * @param fromPrevious the link this member receives on
 */
record RingLinks(SocketChannel toNext, SocketChannel fromPrevious, int next, int previous, InetSocketAddress nextAddress,
        InetSocketAddress previousAddress) implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RingLinks.class);

    static RingLinks open(GangMember member, Rendezvous.Joined joined, CollectiveOptions options) {
        int n = member.worldSize();
        int next = (member.rank() + 1) % n;
        int previous = (member.rank() + n - 1) % n;
        List<InetSocketAddress> addresses = joined.dataAddresses();
        long deadline = System.nanoTime() + options.stepTimeout().toNanos();
        SocketChannel toNext = null;
        SocketChannel fromPrevious = null;
        try {
            toNext = connect(member, next, addresses.get(next), deadline, options);
            fromPrevious = accept(member, previous, joined.listener(), deadline, options);
            toNext.configureBlocking(false);
            fromPrevious.configureBlocking(false);
            return new RingLinks(toNext, fromPrevious, next, previous, addresses.get(next), addresses.get(previous));
        } catch (IOException | RuntimeException e) {
            GangCoordinator.closeQuietly(toNext);
            GangCoordinator.closeQuietly(fromPrevious);
            if (e instanceof GangException g) {
                throw g;
            }
            throw new GangException("rank " + member.rank() + " of gang " + member.gangId() + ": ring set-up failed: " + e, e);
        }
    }

    private static SocketChannel connect(GangMember member, int next, InetSocketAddress address, long deadline,
            CollectiveOptions options) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            tune(channel, options);
            try {
                channel.socket().connect(address, remainingMs(deadline));
            } catch (IOException e) {
                throw new GangException("rank " + member.rank() + " of gang " + member.gangId() + " could not connect to rank "
                        + next + " at " + Wire.hostPort(address) + ": " + e.getMessage(), e);
            }
            DataOutputStream out = new DataOutputStream(channel.socket().getOutputStream());
            out.writeInt(Wire.RING_MAGIC);
            out.writeUTF(member.gangId());
            out.writeInt(member.rank());
            out.flush();
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static SocketChannel accept(GangMember member, int previous, ServerSocketChannel listener, long deadline,
            CollectiveOptions options) throws IOException {
        while (true) {
            listener.socket().setSoTimeout(remainingMs(deadline));
            Socket socket;
            try {
                socket = listener.socket().accept();
            } catch (SocketTimeoutException e) {
                throw new GangException("rank " + member.rank() + " of gang " + member.gangId() + ": rank " + previous
                        + " did not connect within " + Wire.format(options.stepTimeout()), e);
            }
            SocketChannel channel = socket.getChannel();
            try {
                tune(channel, options);
                socket.setSoTimeout(remainingMs(deadline));
                DataInputStream in = new DataInputStream(socket.getInputStream());
                int magic = in.readInt();
                String gang = magic == Wire.RING_MAGIC ? in.readUTF() : null;
                int rank = gang != null ? in.readInt() : -1;
                if (member.gangId().equals(gang) && rank == previous) {
                    socket.setSoTimeout(0);
                    return channel;
                }
                LOG.warn("gang {} rank {}: dropped a ring connection from {} (gang {}, rank {}); waiting for rank {}",
                        member.gangId(), member.rank(), socket.getRemoteSocketAddress(), gang, rank, previous);
            } catch (IOException e) {
                LOG.warn("gang {} rank {}: dropped a ring connection from {}: {}", member.gangId(), member.rank(),
                        socket.getRemoteSocketAddress(), e.toString());
            }
            channel.close();
        }
    }

    private static void tune(SocketChannel channel, CollectiveOptions options) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (options.socketBufferBytes() > 0) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, options.socketBufferBytes());
            channel.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
        }
    }

    private static int remainingMs(long deadline) {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
    }

    @Override
    public void close() {
        GangCoordinator.closeQuietly(toNext);
        GangCoordinator.closeQuietly(fromPrevious);
    }
}
