package io.embedflow.orchestrator.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small read-only HTTP endpoint (the JDK's {@code com.sun.net.httpserver}; enough until a UI
 * needs more): {@code GET /healthz}, and {@code GET} on each route, answered with its supplier's
 * value as JSON, or as it is when the value is a {@link Text} (e.g. {@code /metrics}). It binds to
 * loopback unless told otherwise; on any other address it refuses to start without a
 * {@link BearerToken}, and with a token every request must carry it ({@code 401} otherwise). Two
 * handler threads; the suppliers are called on them.
 *
 * <pre>{@code
 * try (StatusServer http = StatusServer.start("127.0.0.1", 8765, Optional.empty(), Map.of("/api/queue", daemon::status))) { ... }
 * }</pre>
 */
public final class StatusServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
    private static final int HANDLER_THREADS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A route's answer sent as it is, with its own content type, instead of as JSON. */
    public record Text(String contentType, String body) {
        public Text {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }
    }

    private final HttpServer server;
    private final ExecutorService handlers;
    private final Optional<BearerToken> token;
    private final Map<String, Supplier<?>> routes;

    private StatusServer(HttpServer server, ExecutorService handlers, Optional<BearerToken> token, Map<String, Supplier<?>> routes) {
        this.server = server;
        this.handlers = handlers;
        this.token = token;
        this.routes = Map.copyOf(routes);
    }

    /**
     * Starts serving on {@code bind}:{@code port} (0 for any free port).
     *
     * @param routes path (e.g. {@code /api/queue}) to what {@code GET} on it returns: a {@link Text}, or else
     *     a value written as JSON
     *
     * @throws OrchestratorException when {@code bind} is not a loopback address and there is no token,
     *     or the address cannot be bound
     */
    public static StatusServer start(String bind, int port, Optional<BearerToken> token, Map<String, Supplier<?>> routes) {
        Objects.requireNonNull(token, "token");
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new OrchestratorException("cannot bind serve's endpoint to '" + bind + "': unknown address", e);
        }
        if (!address.isLoopbackAddress() && token.isEmpty()) {
            throw new OrchestratorException("the endpoint would listen on " + bind + ", which is not loopback, without a "
                    + "token; give --token-file FILE or set $" + BearerToken.ENV + " (every request then needs "
                    + "'Authorization: Bearer <token>')");
        }
        ExecutorService handlers = Executors.newFixedThreadPool(HANDLER_THREADS, r -> {
            Thread t = new Thread(r, "serve-http");
            t.setDaemon(true);
            return t;
        });
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 16);
            StatusServer http = new StatusServer(server, handlers, token, routes);
            server.createContext("/", http::handle);
            server.setExecutor(handlers);
            server.start();
            LOG.info("HTTP endpoint listens on {}{}", http.address(), token.isPresent() ? " (bearer token required)" : "");
            return http;
        } catch (IOException e) {
            handlers.shutdownNow();
            throw new OrchestratorException("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Where it listens, e.g. {@code http://127.0.0.1:8765}. */
    public URI address() {
        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (token.isPresent() && !token.get().accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"embedflow\"");
                reply(exchange, 401, Map.of("error", "a bearer token is required"));
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                reply(exchange, 405, Map.of("error", "only GET is served"));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            Supplier<?> route = routes.get(path);
            if (path.equals("/healthz")) {
                reply(exchange, 200, Map.of("status", "ok"));
            } else if (route != null) {
                Object body = route.get();
                if (body instanceof Text text) {
                    send(exchange, 200, text.contentType(), text.body().getBytes(StandardCharsets.UTF_8));
                } else {
                    reply(exchange, 200, body);
                }
            } else {
                reply(exchange, 404, Map.of("error", "not found; try /healthz or " + String.join(", ", new java.util.TreeSet<>(routes.keySet()))));
            }
        } catch (RuntimeException e) {
            LOG.warn("HTTP endpoint failed on {}: {}", exchange.getRequestURI().getPath(), e.getMessage(), e);
            reply(exchange, 500, Map.of("error", "internal error; see the log"));
        }
    }

    private static void reply(HttpExchange exchange, int code, Object body) throws IOException {
        send(exchange, code, "application/json", JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int code, String contentType, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
        try {
            handlers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
