package io.embedflow.djl.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A member's side of the rendezvous: reach the coordinator (retrying while it is not up yet, until
 * the join timeout), open this member's data listener on the interface that reaches the
 * coordinator, announce rank, gang, world size and that listener, and wait for every member's
 * address or the coordinator's refusal.
 */
final class Rendezvous {
    /** What a member knows once everyone has joined; the listener is the caller's to close. */
    record Joined(List<InetSocketAddress> dataAddresses, ServerSocketChannel listener) {}

    /** Waiting for the answer may take this much longer than the join timeout, so that the coordinator's own deadline comes first. */
    private static final long ANSWER_GRACE_MS = 5_000;
    private static final long RETRY_MS = 50;

    private Rendezvous() {}

    static Joined join(GangMember member, InetSocketAddress coordinator, CollectiveOptions options) {
        String where = Wire.hostPort(coordinator);
        long deadline = System.nanoTime() + options.joinTimeout().toNanos();
        try (Socket socket = connect(member, coordinator, deadline)) {
            ServerSocketChannel listener = listen(socket.getLocalAddress(), options);
            try {
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                out.writeInt(Wire.HELLO_MAGIC);
                out.writeInt(Wire.VERSION);
                out.writeUTF(member.gangId());
                out.writeInt(member.worldSize());
                out.writeInt(member.rank());
                InetSocketAddress data = (InetSocketAddress) listener.getLocalAddress();
                out.writeUTF(data.getAddress().getHostAddress());
                out.writeInt(data.getPort());
                out.flush();
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, options.joinTimeout().toMillis() + ANSWER_GRACE_MS));
                return new Joined(readAnswer(member, new DataInputStream(socket.getInputStream()), where), listener);
            } catch (SocketTimeoutException e) {
                GangCoordinator.closeQuietly(listener);
                throw new GangException("rank " + member.rank() + " of gang " + member.gangId() + ": the coordinator at " + where
                        + " did not answer within " + Wire.format(options.joinTimeout()), e);
            } catch (EOFException e) {
                GangCoordinator.closeQuietly(listener);
                throw new GangException("rank " + member.rank() + " of gang " + member.gangId() + ": the coordinator at " + where
                        + " closed the connection before everyone joined (did rank 0 stop?)", e);
            } catch (IOException | RuntimeException e) {
                GangCoordinator.closeQuietly(listener);
                throw e;
            }
        } catch (IOException e) {
            throw new GangException("rank " + member.rank() + " of gang " + member.gangId() + ": rendezvous with " + where
                    + " failed: " + e, e);
        }
    }

    private static List<InetSocketAddress> readAnswer(GangMember member, DataInputStream in, String where) throws IOException {
        byte status = in.readByte();
        if (status == Wire.REFUSED) {
            throw new GangException("rank " + member.rank() + " refused by the coordinator at " + where + ": " + in.readUTF());
        }
        int worldSize = in.readInt();
        if (status != Wire.ACCEPTED || worldSize != member.worldSize()) {
            throw new GangException("rank " + member.rank() + " of gang " + member.gangId() + ": the coordinator at " + where
                    + " answered in a way this version does not understand");
        }
        List<InetSocketAddress> addresses = new ArrayList<>(worldSize);
        for (int r = 0; r < worldSize; r++) {
            String host = in.readUTF();
            addresses.add(new InetSocketAddress(InetAddress.getByName(host), in.readInt()));
        }
        return List.copyOf(addresses);
    }

    /** Retries a refused connection until the deadline: the coordinator may start after this member. */
    private static Socket connect(GangMember member, InetSocketAddress coordinator, long deadline) {
        IOException last = null;
        while (true) {
            long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMs <= 0) {
                throw new GangException("rank " + member.rank() + " of gang " + member.gangId() + " could not reach the coordinator at "
                        + Wire.hostPort(coordinator) + " within the join timeout: " + last, last);
            }
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(Wire.resolved(coordinator), (int) Math.max(1, Math.min(Integer.MAX_VALUE, remainingMs)));
                return socket;
            } catch (IOException e) {
                GangCoordinator.closeQuietly(socket);
                last = e;
            }
            try {
                Thread.sleep(Math.min(RETRY_MS, remainingMs));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GangException("rank " + member.rank() + " of gang " + member.gangId()
                        + " was interrupted while reaching the coordinator", e);
            }
        }
    }

    private static ServerSocketChannel listen(InetAddress local, CollectiveOptions options) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            if (options.socketBufferBytes() > 0) {
                // set before bind so that accepted sockets start with it and the window scale fits it
                listener.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
            }
            listener.bind(new InetSocketAddress(local, 0), 8);
            return listener;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }
}
