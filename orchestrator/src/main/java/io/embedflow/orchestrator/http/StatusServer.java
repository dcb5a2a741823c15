package io.embedflow.orchestrator.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.orchestrator.OrchestratorException;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code embedflow serve}'s HTTP endpoint, on Javalin (Jetty 12): {@code GET /healthz}, JSON and
 * text routes (each answered with its supplier's value), groups of {@link HttpRoutes} such as the
 * web UI, and {@code /login} for browsers.
 *
 * <p>Access: it binds to loopback unless told otherwise; on any other address it refuses to start
 * without a {@link BearerToken}. With a token, every request must carry it as {@code Authorization:
 * Bearer <token>} or carry the session cookie that {@code /login} sets in exchange for it (see
 * {@link AccessRules}); pages then send a browser to {@code /login}, anything else gets {@code 401}.
 * Without a token, only requests addressed to a loopback host name are answered, so that another
 * web site cannot reach the endpoint through DNS rebinding.
 *
 * <p>Threads: a bounded Jetty pool of daemon threads; suppliers and handlers run on them, several at
 * once. The caller owns the server and closes it.
 *
 * <pre>{@code
 * try (StatusServer http = StatusServer.builder()
 *         .setAddress("127.0.0.1", 8765)
 *         .setToken(Optional.empty())
 *         .optText("/metrics", OrchestratorMetrics.CONTENT_TYPE, () -> metrics.scrape().text())
 *         .optRoutes(WebUi.of(home, daemon::status, clock))
 *         .start()) { ... }
 * }</pre>
 */
public final class StatusServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
    /** Jetty keeps an acceptor and a selector or two of these; the rest answer requests. */
    private static final int MAX_THREADS = 16;
    private static final int MIN_THREADS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Javalin app;
    private final InetAddress address;

    private StatusServer(Javalin app, InetAddress address) {
        this.app = app;
        this.address = address;
    }

    /**
     * Starts serving {@code routes} as JSON on {@code bind}:{@code port} (0 for any free port).
     *
     * @throws OrchestratorException when {@code bind} is not a loopback address and there is no token,
     *     or the address cannot be bound
     */
    public static StatusServer start(String bind, int port, Optional<BearerToken> token, Map<String, Supplier<?>> routes) {
        Builder builder = builder().setAddress(bind, port).setToken(token);
        routes.forEach(builder::optJson);
        return builder.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where it listens, e.g. {@code http://127.0.0.1:8765}. */
    public URI address() {
        String host = address.getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + app.port());
    }

    @Override
    public void close() {
        app.stop();
    }

    /** Writes {@code body} as the JSON response with {@code status}; responses with data are never cached. */
    public static void json(Context ctx, int status, Object body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new OrchestratorException("cannot write the response to " + ctx.path() + " as JSON: " + e.getMessage(), e);
        }
        ctx.status(status).contentType("application/json").header("Cache-Control", "no-store").result(bytes);
    }

    /**
     * What a {@link StatusServer} serves and where; {@code set*} are required, {@code opt*} optional.
     * A path may be given once.
     */
    public static final class Builder {
        private String bind;
        private Integer port;
        private Optional<BearerToken> token;
        private Clock clock = Clock.systemUTC();
        private final Map<String, Supplier<?>> json = new LinkedHashMap<>();
        private final Map<String, TextRoute> text = new LinkedHashMap<>();
        private final List<HttpRoutes> groups = new ArrayList<>();

        private Builder() {
        }

        /** The address to bind ({@code 127.0.0.1} keeps it on this machine) and the port, 0 for any free one. */
        public Builder setAddress(String bind, int port) {
            if (port < 0 || port > 65_535) {
                throw new OrchestratorException("port " + port + " is not between 0 and 65535");
            }
            this.bind = Objects.requireNonNull(bind, "bind");
            this.port = port;
            return this;
        }

        /** The token requests must carry; empty for none, which only a loopback address allows. */
        public Builder setToken(Optional<BearerToken> token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /** {@code GET path} answers {@code body.get()} as JSON. */
        public Builder optJson(String path, Supplier<?> body) {
            claim(path);
            json.put(path, Objects.requireNonNull(body, "body"));
            return this;
        }

        /** {@code GET path} answers {@code body.get()} as text of {@code contentType} (e.g. Prometheus' exposition format). */
        public Builder optText(String path, String contentType, Supplier<String> body) {
            claim(path);
            text.put(path, new TextRoute(Objects.requireNonNull(contentType, "contentType"), Objects.requireNonNull(body, "body")));
            return this;
        }

        /** Mounts a group of routes, e.g. the web UI. */
        public Builder optRoutes(HttpRoutes routes) {
            groups.add(Objects.requireNonNull(routes, "routes"));
            return this;
        }

        /** The clock browser sessions are issued and checked with (default: the system's). */
        public Builder optClock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        private void claim(String path) {
            if (path == null || !path.startsWith("/") || json.containsKey(path) || text.containsKey(path)) {
                throw new OrchestratorException("route '" + path + "' must start with '/' and be given once");
            }
        }

        /**
         * Binds and starts serving.
         *
         * @throws OrchestratorException when {@code bind} is not a loopback address and there is no token,
         *     or the address cannot be bound
         */
        public StatusServer start() {
            if (bind == null || token == null) {
                throw new IllegalStateException("setAddress and setToken are required");
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(bind);
            } catch (UnknownHostException e) {
                throw new OrchestratorException("cannot bind serve's endpoint to '" + bind + "': unknown address", e);
            }
            if (!address.isLoopbackAddress() && token.isEmpty()) {
                throw new OrchestratorException("the endpoint would listen on " + bind + ", which is not loopback, without a "
                        + "token; give --token-file FILE or set $" + BearerToken.ENV + " (every request then needs "
                        + "'Authorization: Bearer <token>', or a browser signs in at /login)");
            }
            List<String> open = new ArrayList<>();
            groups.forEach(g -> open.addAll(g.publicPrefixes()));
            AccessRules access = new AccessRules(token, open, clock);
            Javalin app = Javalin.create(config -> configure(config, access));
            try {
                app.start(address.getHostAddress(), port);
            } catch (RuntimeException e) {
                app.stop();
                throw new OrchestratorException("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
            }
            StatusServer server = new StatusServer(app, address);
            LOG.info("HTTP endpoint listens on {}{}", server.address(), token.isPresent() ? " (token required)" : "");
            return server;
        }

        private void configure(JavalinConfig config, AccessRules access) {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.prefer405over404 = true;
            QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, MIN_THREADS);
            threads.setName("serve-http");
            threads.setDaemon(true);
            config.jetty.threadPool = threads;
            RoutesConfig routes = config.routes;
            routes.before(access::check);
            routes.get("/healthz", ctx -> json(ctx, 200, Map.of("status", "ok")));
            json.forEach((path, body) -> routes.get(path, ctx -> json(ctx, 200, body.get())));
            text.forEach((path, route) -> routes.get(path, ctx -> ctx.contentType(route.contentType())
                    .header("Cache-Control", "no-store").result(route.body().get().getBytes(StandardCharsets.UTF_8))));
            new BrowserLogin(token, clock).addTo(routes);
            groups.forEach(g -> g.addTo(routes));
            // Javalin's own answers (no such endpoint, method not allowed) and the handlers' 4xx, all as {"error": ...}
            routes.exception(HttpResponseException.class, (e, ctx) -> json(ctx, e.getStatus(), Map.of("error", e.getMessage())));
            routes.exception(Exception.class, (e, ctx) -> {
                LOG.warn("HTTP endpoint failed on {}: {}", ctx.path(), e.getMessage(), e);
                json(ctx, 500, Map.of("error", "internal error; see the log"));
            });
        }
    }

    private record TextRoute(String contentType, Supplier<String> body) {
    }
}
