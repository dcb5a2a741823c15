package io.embedflow.djl.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rank 0's rendezvous server: waits for every rank of one gang to announce itself and its data
 * address, then tells all of them every member's address, and stops. A member of another gang, a
 * second member with a rank already taken, a member that counts another world size or a rank out
 * of range is refused with a message saying why, and the coordinator keeps waiting for the right
 * one. If the join timeout passes first, every member that joined is told which ranks are missing
 * ("rank 1 of 2 did not join gang run-42 within 10s"), and so fails with that message.
 *
 * <p>Threading: {@link #start} binds and returns; one daemon thread accepts and answers. {@link #close}
 * stops it; {@link RingAllReduce#join(GangMember, CollectiveOptions)} starts and closes one itself on
 * rank 0, so a launcher only starts one to learn a bound port first (port 0) and passes it to
 * {@link RingAllReduce#join(GangMember, CollectiveOptions, GangCoordinator)}.
 */
public final class GangCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GangCoordinator.class);
    /** How long a connected peer may take to send its hello. */
    private static final int HELLO_TIMEOUT_MS = 10_000;

    private record Joined(Socket socket, DataOutputStream out, String dataHost, int dataPort) {}

    private final ServerSocket server;
    private final String gangId;
    private final int worldSize;
    private final Duration joinTimeout;
    private final Thread thread;

    private GangCoordinator(ServerSocket server, String gangId, int worldSize, Duration joinTimeout) {
        this.server = server;
        this.gangId = gangId;
        this.worldSize = worldSize;
        this.joinTimeout = joinTimeout;
        this.thread = new Thread(this::serve, "embedflow-gang-" + gangId + "-coordinator");
        this.thread.setDaemon(true);
    }

    /**
     * Binds {@code member.coordinator()} (port 0: any free port, see {@link #address()}) and starts
     * waiting for the gang's {@code worldSize} members, for {@code options.joinTimeout()} from now.
     */
    public static GangCoordinator start(GangMember member, CollectiveOptions options) {
        InetSocketAddress bind = Wire.resolved(member.coordinator());
        ServerSocket server = null;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(bind, Math.max(50, member.worldSize()));
        } catch (IOException e) {
            closeQuietly(server);
            throw new GangException("gang " + member.gangId() + ": cannot listen for the rendezvous at "
                    + Wire.hostPort(member.coordinator()) + ": " + e.getMessage(), e);
        }
        GangCoordinator coordinator = new GangCoordinator(server, member.gangId(), member.worldSize(), options.joinTimeout());
        coordinator.thread.start();
        return coordinator;
    }

    /** The bound address: the host as given to {@link #start}, and the port actually bound. */
    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    private void serve() {
        long deadline = System.nanoTime() + joinTimeout.toNanos();
        Map<Integer, Joined> joined = new TreeMap<>();
        try {
            while (joined.size() < worldSize) {
                long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
                if (remainingMs <= 0) {
                    refuseAll(joined, missing(joined));
                    return;
                }
                server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMs));
                Socket socket;
                try {
                    socket = server.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                admit(socket, joined, remainingMs);
            }
            answerAll(joined);
        } catch (IOException e) {
            if (!server.isClosed()) {
                LOG.warn("gang {}: the rendezvous stopped: {}", gangId, e.toString());
            }
            joined.values().forEach(j -> closeQuietly(j.socket()));
        } finally {
            closeQuietly(server);
        }
    }

    /** Reads one hello and either keeps the member or tells it why not. */
    private void admit(Socket socket, Map<Integer, Joined> joined, long remainingMs) {
        String peer = String.valueOf(socket.getRemoteSocketAddress());
        try {
            socket.setSoTimeout((int) Math.min(HELLO_TIMEOUT_MS, Math.max(1, remainingMs)));
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            if (in.readInt() != Wire.HELLO_MAGIC || in.readInt() != Wire.VERSION) {
                LOG.warn("gang {}: {} is not a gang member of this version; closed", gangId, peer);
                socket.close();
                return;
            }
            String theirGang = in.readUTF();
            int theirWorld = in.readInt();
            int rank = in.readInt();
            String dataHost = in.readUTF();
            int dataPort = in.readInt();
            String refusal = null;
            if (!theirGang.equals(gangId)) {
                refusal = "the coordinator at " + Wire.hostPort(address()) + " serves gang " + gangId + ", not gang " + theirGang
                        + " (rank " + rank + " from " + peer + " refused)";
            } else if (theirWorld != worldSize) {
                refusal = "rank " + rank + " from " + peer + " counts a world size of " + theirWorld + " but gang " + gangId
                        + " has " + worldSize + " members";
            } else if (rank < 0 || rank >= worldSize) {
                refusal = "rank " + rank + " from " + peer + " is outside [0, " + worldSize + ") of gang " + gangId;
            } else if (joined.containsKey(rank)) {
                refusal = "rank " + rank + " of gang " + gangId + " already joined from "
                        + joined.get(rank).socket().getRemoteSocketAddress() + "; a second rank " + rank + " from " + peer
                        + " was refused";
            }
            if (refusal != null) {
                LOG.warn("gang {}: {}", gangId, refusal);
                out.writeByte(Wire.REFUSED);
                out.writeUTF(refusal);
                out.flush();
                socket.close();
                return;
            }
            joined.put(rank, new Joined(socket, out, dataHost, dataPort));
        } catch (IOException e) {
            LOG.warn("gang {}: dropped a rendezvous connection from {}: {}", gangId, peer, e.toString());
            closeQuietly(socket);
        }
    }

    private void answerAll(Map<Integer, Joined> joined) {
        for (Map.Entry<Integer, Joined> e : joined.entrySet()) {
            Joined j = e.getValue();
            try {
                j.out().writeByte(Wire.ACCEPTED);
                j.out().writeInt(worldSize);
                for (Joined member : joined.values()) {
                    j.out().writeUTF(member.dataHost());
                    j.out().writeInt(member.dataPort());
                }
                j.out().flush();
            } catch (IOException ex) {
                // the ring set-up will find this member missing and say so
                LOG.warn("gang {}: rank {} left before the rendezvous answer: {}", gangId, e.getKey(), ex.toString());
            } finally {
                closeQuietly(j.socket());
            }
        }
        LOG.info("gang {}: all {} members joined", gangId, worldSize);
    }

    private void refuseAll(Map<Integer, Joined> joined, String message) {
        LOG.warn("gang {}: {}", gangId, message);
        for (Joined j : joined.values()) {
            try {
                j.out().writeByte(Wire.REFUSED);
                j.out().writeUTF(message);
                j.out().flush();
            } catch (IOException ignored) {
                // that member has gone too; it fails on its own
            } finally {
                closeQuietly(j.socket());
            }
        }
    }

    private String missing(Map<Integer, Joined> joined) {
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            if (!joined.containsKey(r)) {
                missing.add(r);
            }
        }
        String ranks = missing.size() == 1 ? "rank " + missing.get(0)
                : "ranks " + String.join(", ", missing.stream().map(String::valueOf).toList());
        return ranks + " of " + worldSize + " did not join gang " + gangId + " within " + Wire.format(joinTimeout);
    }

    /** Stops listening and waits for the coordinator's thread; members not yet answered see the connection close. */
    @Override
    public void close() {
        closeQuietly(server);
        try {
            thread.join(HELLO_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing on a failure path; the failure is what gets reported
            }
        }
    }
}
