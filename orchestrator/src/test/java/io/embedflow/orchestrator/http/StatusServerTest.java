package io.embedflow.orchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.serve.ServeStatus;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status endpoint: loopback by default, and a bearer token on every request when bound elsewhere. */
class StatusServerTest {

    static final String TOKEN = "s3cret-token-0123456789abcdef";
    static final ServeStatus STATUS = new ServeStatus("test#1", true, "2026-12-01T08:00:00Z", 4,
            Map.of("search", new ServeStatus.Tenant(2, null, 3, 1, 1, 2)),
            List.of(new ServeStatus.Run(7, "r-1", "docs", "search", 2, "2026-12-01T07:59:00Z", null)));

    @TempDir
    Path tmp;
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void onAnyAddressButLoopbackItRefusesToStartWithoutAToken() {
        assertThatThrownBy(() -> StatusServer.start("0.0.0.0", 0, Optional.empty(), Map.of("/api/queue", () -> STATUS)))
                .isInstanceOf(OrchestratorException.class)
                .hasMessageContaining("not loopback").hasMessageContaining("--token-file");
    }

    @Test
    void withATokenEveryRequestNeedsIt() throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, TOKEN + "\n");
        try (StatusServer server = StatusServer.start("0.0.0.0", 0, Optional.of(BearerToken.fromFile(file)), Map.of("/api/queue", () -> STATUS))) {
            URI base = URI.create("http://127.0.0.1:" + server.address().getPort());

            assertThat(get(base.resolve("/healthz"), null).statusCode()).isEqualTo(401);
            assertThat(get(base.resolve("/api/queue"), "Bearer wrong-token-0123456789abcdef").statusCode()).isEqualTo(401);
            HttpResponse<String> denied = get(base.resolve("/api/queue"), "Basic " + TOKEN);
            assertThat(denied.statusCode()).isEqualTo(401);
            assertThat(denied.body()).doesNotContain(TOKEN);
            assertThat(get(base.resolve("/healthz"), "Bearer " + TOKEN).statusCode()).isEqualTo(200);
            HttpResponse<String> queue = get(base.resolve("/api/queue"), "Bearer " + TOKEN);
            assertThat(queue.statusCode()).isEqualTo(200);
            assertThat(queue.body()).contains("\"search\":{\"weight\":2,\"maxSlots\":null,\"queued\":3,\"backingOff\":1,"
                    + "\"admitted\":1,\"admittedSlots\":2}").contains("\"spec\":\"docs\"");
        }
        assertThat(Files.readString(Path.of(System.getProperty("java.io.tmpdir"), "embedflow.log"))).doesNotContain(TOKEN);
    }

    @Test
    void onLoopbackItServesWithoutATokenAndOnlyWhatItKnows() throws Exception {
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, Optional.empty(), Map.of("/api/queue", () -> STATUS))) {
            assertThat(server.address().getHost()).isEqualTo("127.0.0.1");
            assertThat(get(server.address().resolve("/healthz"), null).body()).isEqualTo("{\"status\":\"ok\"}");
            assertThat(get(server.address().resolve("/nope"), null).statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(server.address().resolve("/api/queue"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void aTextRouteIsSentAsItIsWithItsContentTypeAndNeedsTheTokenToo() throws Exception {
        String exposition = "# TYPE up gauge\nup 1\n";
        try (StatusServer server = StatusServer.builder().setAddress("127.0.0.1", 0)
                .setToken(Optional.of(BearerToken.of(TOKEN, "test")))
                .optJson("/api/queue", () -> STATUS)
                .optText("/metrics", "text/plain; version=0.0.4; charset=utf-8", () -> exposition)
                .start()) {
            assertThat(get(server.address().resolve("/metrics"), null).statusCode()).isEqualTo(401);

            HttpResponse<String> metrics = get(server.address().resolve("/metrics"), "Bearer " + TOKEN);

            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
            assertThat(metrics.body()).isEqualTo(exposition);
            assertThat(get(server.address().resolve("/api/queue"), "Bearer " + TOKEN).headers().firstValue("Content-Type"))
                    .contains("application/json");
        }
    }

    @Test
    void textRoutesAnswerInTheirContentTypeAndEachPathIsGivenOnce() throws Exception {
        try (StatusServer server = StatusServer.builder().setAddress("127.0.0.1", 0).setToken(Optional.empty())
                .optJson("/api/queue", () -> STATUS)
                .optText("/metrics", "text/plain; version=0.0.4; charset=utf-8", () -> "embedflow_up 1\n")
                .start()) {
            HttpResponse<String> metrics = get(server.address().resolve("/metrics"), null);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(metrics.body()).isEqualTo("embedflow_up 1\n");
            assertThat(get(server.address().resolve("/api/queue"), null).headers().firstValue("Cache-Control")).hasValue("no-store");
        }
        assertThatThrownBy(() -> StatusServer.builder().optJson("/a", () -> 1).optText("/a", "text/plain", () -> ""))
                .hasMessageContaining("given once");
        assertThatThrownBy(() -> StatusServer.builder().setAddress("127.0.0.1", 0).start()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void withoutATokenOnlyLoopbackHostNamesAreAnswered() throws Exception {
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, Optional.empty(), Map.of("/api/queue", () -> STATUS))) {
            // a page of another site whose name now resolves to 127.0.0.1 (DNS rebinding) sends its own Host
            String rebound = rawGet(server.address(), "/api/queue", "attacker.example:" + server.address().getPort());
            assertThat(rebound).startsWith("HTTP/1.1 403").doesNotContain("search");
            assertThat(rawGet(server.address(), "/api/queue", "localhost:" + server.address().getPort()))
                    .startsWith("HTTP/1.1 200").contains("search");
        }
        assertThat(AccessRules.isLoopbackHost("localhost:8765")).isTrue();
        assertThat(AccessRules.isLoopbackHost("127.0.0.1")).isTrue();
        assertThat(AccessRules.isLoopbackHost("127.1.2.3:80")).isTrue();
        assertThat(AccessRules.isLoopbackHost("[::1]:8765")).isTrue();
        assertThat(AccessRules.isLoopbackHost("LOCALHOST")).isTrue();
        assertThat(AccessRules.isLoopbackHost("localhost.attacker.example")).isFalse();
        assertThat(AccessRules.isLoopbackHost("127.0.0.1.attacker.example")).isFalse();
        assertThat(AccessRules.isLoopbackHost("[::2]")).isFalse();
        assertThat(AccessRules.isLoopbackHost(null)).isFalse();
    }

    @Test
    void aShortTokenIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> BearerToken.of("short", "$" + BearerToken.ENV))
                .hasMessageContaining("shorter than 16").hasMessageNotContaining("short'");
        assertThat(BearerToken.find(null, null)).isEmpty();
        assertThat(BearerToken.find(null, TOKEN).orElseThrow().accepts("Bearer " + TOKEN)).isTrue();
        assertThat(BearerToken.of(TOKEN, "test").toString()).doesNotContain(TOKEN);
    }

    /** The whole response to a GET with this {@code Host} header, which the JDK's client does not let one set. */
    static String rawGet(URI server, String path, String host) throws Exception {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<String> get(URI uri, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
