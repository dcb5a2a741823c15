package io.embedflow.orchestrator.http;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who may use a {@link StatusServer}, checked before every request.
 * <ul>
 *   <li>Without a token (loopback only): requests whose {@code Host} is not a loopback name
 *       ({@code localhost}, {@code 127.x.x.x}, {@code [::1]}) get {@code 403}: a page of another site
 *       whose name was rebound to 127.0.0.1 must not read this endpoint's answers.</li>
 *   <li>With a token: {@code Authorization: Bearer <token>} or the session cookie of
 *       {@link BrowserLogin}; {@code /login}, {@code /logout} and the public prefixes pass without.
 *       A browser asking for a page ({@code GET} accepting {@code text/html}) is sent to
 *       {@code /login}; everything else gets {@code 401} and never a word about the token.</li>
 * </ul>
 * Every answer also carries headers that keep pages out of frames and content types as declared.
 */
final class AccessRules {

    /** The browser session's cookie (see {@link BearerToken#newSession}). */
    static final String SESSION_COOKIE = "embedflow_session";
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    private final Optional<BearerToken> token;
    private final List<String> publicPrefixes;
    private final Clock clock;

    AccessRules(Optional<BearerToken> token, List<String> publicPrefixes, Clock clock) {
        this.token = token;
        this.publicPrefixes = List.copyOf(publicPrefixes);
        this.clock = clock;
    }

    void check(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        if (token.isEmpty()) {
            if (!isLoopbackHost(ctx.header("Host"))) {
                deny(ctx, 403, "this endpoint answers only requests addressed to localhost, 127.0.0.1 or [::1]; "
                        + "to reach it from elsewhere, start serve with a token");
            }
            return;
        }
        String path = ctx.path();
        if (path.equals(BrowserLogin.LOGIN) || path.equals(BrowserLogin.LOGOUT)
                || publicPrefixes.stream().anyMatch(path::startsWith)) {
            return;
        }
        BearerToken required = token.get();
        if (required.accepts(ctx.header("Authorization")) || required.acceptsSession(ctx.cookie(SESSION_COOKIE), clock.instant())) {
            return;
        }
        String accept = ctx.header("Accept");
        if (ctx.method().name().equals("GET") && accept != null && accept.contains("text/html")) {
            String next = path + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
            ctx.redirect(BrowserLogin.LOGIN + "?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8), HttpStatus.SEE_OTHER);
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.header("WWW-Authenticate", "Bearer realm=\"embedflow\"");
        deny(ctx, 401, "a bearer token is required (or sign in at " + BrowserLogin.LOGIN + ")");
    }

    private static void deny(Context ctx, int status, String why) {
        StatusServer.json(ctx, status, Map.of("error", why));
        ctx.skipRemainingHandlers();
    }

    /** Whether a {@code Host} header names this machine's loopback interface; no name is looked up. */
    static boolean isLoopbackHost(String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return false;
        }
        String host = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end > 0 && host.substring(1, end).equals("::1");
        }
        int colon = host.indexOf(':');
        String name = colon < 0 ? host : host.substring(0, colon);
        return name.equals("localhost") || LOOPBACK_V4.matcher(name).matches();
    }
}
