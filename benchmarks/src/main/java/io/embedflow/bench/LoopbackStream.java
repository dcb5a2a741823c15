package io.embedflow.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The plain baseline of a TCP collective: one loopback connection, one thread writing a
 * {@code byte[]} into it over and over, another reading. Its socket options are the ring's
 * ({@code TCP_NODELAY}; buffers as given, 0 for the kernel's auto-tuning).
 */
final class LoopbackStream implements AutoCloseable {
    private final Socket sending;
    private final Socket receiving;
    private final byte[] written;
    private final byte[] read;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bench-loopback-writer");
        t.setDaemon(true);
        return t;
    });

    LoopbackStream(int chunk, int socketBuffer) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            if (socketBuffer > 0) {
                server.setReceiveBufferSize(socketBuffer);
            }
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            sending = new Socket();
            if (socketBuffer > 0) {
                sending.setSendBufferSize(socketBuffer);
            }
            sending.setTcpNoDelay(true);
            sending.connect(server.getLocalSocketAddress());
            receiving = server.accept();
        }
        written = new byte[chunk];
        Arrays.fill(written, (byte) 7);
        read = new byte[chunk];
    }

    /** Sends {@code bytes} from the writer thread and reads them on this one; returns the seconds taken. */
    double copy(long bytes) throws IOException, InterruptedException {
        OutputStream to = sending.getOutputStream();
        InputStream from = receiving.getInputStream();
        long t0 = System.nanoTime();
        Future<?> writing = writer.submit(() -> {
            for (long left = bytes; left > 0; left -= written.length) {
                to.write(written, 0, (int) Math.min(written.length, left));
            }
            return null;
        });
        for (long left = bytes; left > 0; ) {
            int n = from.read(read, 0, (int) Math.min(read.length, left));
            if (n < 0) {
                throw new IOException("the loopback stream ended early");
            }
            left -= n;
        }
        try {
            writing.get();
        } catch (ExecutionException e) {
            throw new IOException("the loopback writer failed", e.getCause());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    @Override
    public void close() throws IOException {
        writer.shutdownNow();
        try (sending; receiving) {
            // closes both
        }
    }
}
