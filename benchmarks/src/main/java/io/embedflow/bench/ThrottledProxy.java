package io.embedflow.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback that caps what each connection carries from the server to the client, as one connection to
 * S3 carries far less than a loopback socket: with it, {@code bench model-fetch} shows what fetching many ranges at
 * once buys where each stream is slow. Requests pass unthrottled; each response stream gets its own budget of
 * {@code bytesPerSecond}, paced in 64 KiB steps.
 */
final class ThrottledProxy implements AutoCloseable {
    private static final int CHUNK = 64 << 10;

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final long bytesPerSecond;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private ThrottledProxy(ServerSocket listener, InetSocketAddress target, long bytesPerSecond) {
        this.listener = listener;
        this.target = target;
        this.bytesPerSecond = bytesPerSecond;
        this.acceptor = new Thread(this::accept, "throttled-proxy");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** Starts a proxy in front of {@code target} (http://host:port) that gives each connection {@code bytesPerSecond}. */
    static ThrottledProxy start(URI target, long bytesPerSecond) throws IOException {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("bytesPerSecond must be positive, was " + bytesPerSecond);
        }
        ServerSocket listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        return new ThrottledProxy(listener, new InetSocketAddress(target.getHost(), target.getPort()), bytesPerSecond);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(target);
                open.add(client);
                open.add(server);
                pump(client, server, 0, "up");
                pump(server, client, bytesPerSecond, "down");
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    System.err.println("bench: throttled proxy: " + e.getMessage());
                }
            }
        }
    }

    /** Copies {@code from} to {@code to} on a thread of its own, at most {@code rate} bytes a second (0: no cap). */
    private void pump(Socket from, Socket to, long rate, String direction) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[CHUNK];
            // when the next bytes may go; idle time (a kept-alive connection between requests) earns no burst
            long next = System.nanoTime();
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    if (rate > 0) {
                        long now = System.nanoTime();
                        next = Math.max(next, now) + n * TimeUnit.SECONDS.toNanos(1) / rate;
                        if (next > now) {
                            TimeUnit.NANOSECONDS.sleep(next - now);
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the other side closed: close both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "throttled-proxy-" + direction);
        t.setDaemon(true);
        t.start();
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        open.forEach(this::closeQuietly);
    }
}
