package io.embedflow.orchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.metadata.ManualClock;
import io.javalin.config.RoutesConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The token rules for browsers: a page without a session goes to /login, the token is traded there
 * for a signed HttpOnly cookie, which then opens pages and the JSON API until it expires; a wrong
 * or tampered one opens nothing.
 */
class BrowserLoginTest {

    static final String TOKEN = "browser-token-0123456789abcdef";
    static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");

    final ManualClock clock = new ManualClock(T0);
    final HttpClient http = HttpClient.newHttpClient(); // follows no redirects, keeps no cookies
    StatusServer server;
    URI base;

    @BeforeEach
    void start() {
        server = StatusServer.builder().setAddress("0.0.0.0", 0).setToken(Optional.of(BearerToken.of(TOKEN, "test")))
                .optJson("/api/queue", () -> Map.of("queued", 3))
                .optRoutes(new HttpRoutes() {
                    @Override
                    public void addTo(RoutesConfig routes) {
                        routes.get("/runs", ctx -> ctx.contentType("text/html").result("<p>runs</p>"));
                        routes.get("/static/app.css", ctx -> ctx.contentType("text/css").result("p {}"));
                    }

                    @Override
                    public List<String> publicPrefixes() {
                        return List.of("/static/");
                    }
                })
                .optClock(clock)
                .start();
        base = URI.create("http://127.0.0.1:" + server.address().getPort());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aPageWithoutASessionSendsTheBrowserToLoginAndTheApiAnswers401() throws Exception {
        HttpResponse<String> page = get("/runs?limit=5", Map.of("Accept", "text/html,application/xhtml+xml"));
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.headers().firstValue("Location")).hasValue("/login?next=" + URLEncoder.encode("/runs?limit=5", StandardCharsets.UTF_8));

        HttpResponse<String> api = get("/api/queue", Map.of("Accept", "application/json"));
        assertThat(api.statusCode()).isEqualTo(401);
        assertThat(api.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"embedflow\"");
        assertThat(api.body()).contains("/login").doesNotContain(TOKEN);

        HttpResponse<String> form = get("/login?next=%2Fruns", Map.of());
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(p -> assertThat(p).contains("default-src 'self'"));
        assertThat(form.body()).contains("<form method=\"post\" action=\"/login\">").contains("name=\"next\" value=\"/runs\"")
                .contains("type=\"password\"");
        assertThat(get("/static/app.css", Map.of()).statusCode()).as("public assets").isEqualTo(200);
    }

    @Test
    void theTokenIsTradedForASessionCookieThatOpensPagesAndTheApi() throws Exception {
        HttpResponse<String> login = post("/login", "token=" + TOKEN + "&next=%2Fruns");
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("Location")).hasValue("/runs");
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith(AccessRules.SESSION_COOKIE + "=").contains("HttpOnly").contains("SameSite=Lax")
                .contains("Path=/").contains("Max-Age=43200").doesNotContain(TOKEN);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        assertThat(get("/runs", Map.of("Cookie", cookie, "Accept", "text/html")).body()).isEqualTo("<p>runs</p>");
        assertThat(get("/api/queue", Map.of("Cookie", cookie)).body()).isEqualTo("{\"queued\":3}");

        String tampered = cookie.substring(0, cookie.length() - 2) + (cookie.endsWith("AA") ? "BB" : "AA");
        assertThat(get("/api/queue", Map.of("Cookie", tampered)).statusCode()).isEqualTo(401);
        String reissued = cookie.replaceFirst("\\.(\\d+)\\.", "." + (T0.getEpochSecond() + 3600) + ".");
        assertThat(get("/api/queue", Map.of("Cookie", reissued)).statusCode()).as("a changed issue time").isEqualTo(401);

        clock.advance(BearerToken.SESSION_TTL.plusSeconds(1));
        assertThat(get("/api/queue", Map.of("Cookie", cookie)).statusCode()).as("expired").isEqualTo(401);
        assertThat(get("/runs", Map.of("Cookie", cookie, "Accept", "text/html")).statusCode()).isEqualTo(303);
    }

    @Test
    void theTokenInTheLoginLinkWorksTooAndAWrongOneGetsTheFormAgain() throws Exception {
        HttpResponse<String> link = get("/login?token=" + TOKEN, Map.of());
        assertThat(link.statusCode()).isEqualTo(303);
        assertThat(link.headers().firstValue("Location")).hasValue("/");
        assertThat(link.headers().firstValue("Set-Cookie")).isPresent();

        HttpResponse<String> wrong = post("/login", "token=wrong-token-0123456789abcdef&next=%2Fruns");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(wrong.body()).contains("not the token").doesNotContain("wrong-token");
        assertThat(get("/login?token=wrong-token-0123456789abcdef", Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void loginSendsTheBrowserOnlyToPathsOfThisServer() throws Exception {
        for (String next : List.of("//attacker.example/x", "https://attacker.example/", "/\\attacker.example", "runs")) {
            HttpResponse<String> login = post("/login", "token=" + TOKEN + "&next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
            assertThat(login.headers().firstValue("Location")).as(next).hasValue("/");
        }
        assertThat(BrowserLogin.safeNext("/runs/r-1?x=%2F")).isEqualTo("/runs/r-1?x=%2F");
        assertThat(BrowserLogin.safeNext("/runs\r\nSet-Cookie: x=1")).isEqualTo("/");
        assertThat(BrowserLogin.safeNext(null)).isEqualTo("/");
    }

    @Test
    void logoutDropsTheCookie() throws Exception {
        HttpResponse<String> logout = get("/logout", Map.of());
        assertThat(logout.statusCode()).isEqualTo(303);
        assertThat(logout.headers().firstValue("Location")).hasValue("/login");
        assertThat(logout.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).contains("Max-Age=0"));
    }

    @Test
    void aSessionIsBoundToItsTokenAndItsLifetime() {
        BearerToken token = BearerToken.of(TOKEN, "test");
        String session = token.newSession(T0);
        assertThat(token.acceptsSession(session, T0)).isTrue();
        assertThat(token.acceptsSession(session, T0.plus(BearerToken.SESSION_TTL).minusSeconds(1))).isTrue();
        assertThat(token.acceptsSession(session, T0.plus(BearerToken.SESSION_TTL))).isFalse();
        assertThat(token.acceptsSession(token.newSession(T0.plus(Duration.ofMinutes(5))), T0)).as("issued in the future").isFalse();
        assertThat(BearerToken.of("another-token-0123456789abcdef", "test").acceptsSession(session, T0)).isFalse();
        for (String malformed : new String[] {null, "", "v1", "v1.", "v1.x.y", "v2" + session.substring(2), "v1..abc",
            session + "x", session.replace("v1.", "v1.-")}) {
            assertThat(token.acceptsSession(malformed, T0)).as(String.valueOf(malformed)).isFalse();
        }
        assertThat(session).doesNotContain(TOKEN);
    }

    private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).GET();
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
