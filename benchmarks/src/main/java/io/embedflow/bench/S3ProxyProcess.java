package io.embedflow.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * S3Proxy as a process of its own on a loopback port, objects stored as plain files under a base
 * directory ({@code filesystem-nio2}), AWS v2/v4 signatures checked against one identity. A separate
 * process keeps the server's heap, GC and JIT apart from the client being measured.
 *
 * <p>The process is stopped by {@link #close()}, and by a shutdown hook if the JVM exits first.
 */
final class S3ProxyProcess implements AutoCloseable {
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Process process;
    private final URI endpoint;
    private final Path log;
    private final String version;
    private final Thread shutdownHook;

    private S3ProxyProcess(Process process, URI endpoint, Path log, String version) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
        this.version = version;
        this.shutdownHook = new Thread(process::destroyForcibly, "s3proxy-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts S3Proxy from its self-contained jar and returns once it accepts connections.
     *
     * @param jar S3Proxy's {@code jar-with-dependencies}
     * @param baseDir where the buckets and objects go; created if missing
     * @param workDir where the properties file and the server's log go
     * @param heap the server's {@code -Xmx}, such as {@code 1g}
     */
    static S3ProxyProcess start(Path jar, Path baseDir, Path workDir, String identity, String credential, String heap)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy's jar is missing at " + jar
                    + "; build the benchmarks module (mvn -B -q -DskipTests package -pl benchmarks -am)");
        }
        Files.createDirectories(baseDir);
        int port = freePort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path properties = workDir.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + identity,
                "s3proxy.credential=" + credential,
                "s3proxy.ignore-unknown-headers=true",
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + baseDir.toAbsolutePath()) + "\n", StandardCharsets.UTF_8);
        Path log = workDir.resolve("s3proxy.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx" + heap, "-jar", jar.toString(),
                "--properties", properties.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // S3Proxy's bundled logback.xml reads the level from here; per-request lines would slow the server
        builder.environment().put("LOG_LEVEL", "warn");
        S3ProxyProcess server = new S3ProxyProcess(builder.start(), endpoint, log, versionOf(jar));
        try {
            server.awaitPort(port);
        } catch (RuntimeException | IOException e) {
            server.close();
            throw e;
        }
        return server;
    }

    URI endpoint() {
        return endpoint;
    }

    long pid() {
        return process.pid();
    }

    /** Such as {@code 4.1.0}, from the jar's manifest. */
    String version() {
        return version;
    }

    private static String versionOf(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String version = manifest == null ? null : manifest.getMainAttributes().getValue("Implementation-Version");
            return version == null ? "(version unknown)" : version;
        }
    }

    /**
     * S3Proxy prints no start signal meant for machines, so readiness is its port accepting a
     * connection; the loop ends early if the process dies.
     */
    private void awaitPort(int port) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("S3Proxy exited with " + process.exitValue() + " before listening on "
                            + endpoint + "; its log " + log + " ends with:\n" + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not listen on " + endpoint + " within 60 s; its log "
                            + log + " ends with:\n" + tail(log));
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for S3Proxy to start", e);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static String tail(Path file) {
        try {
            List<String> lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting and the hook runs anyway
        }
    }
}
