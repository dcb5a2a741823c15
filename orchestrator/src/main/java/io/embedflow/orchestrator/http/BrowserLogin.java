package io.embedflow.orchestrator.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Clock;
import java.util.Optional;

/**
 * How a browser signs in when {@code serve} requires a token: {@code /login} shows a form (the
 * token is posted, so it stays out of the address bar and the history), and also takes the token
 * as {@code /login?token=...} for a link a script prints. Either way, a right token is exchanged
 * for a session cookie ({@link BearerToken#newSession}: HttpOnly, {@code SameSite=Lax}, lasting
 * {@link BearerToken#SESSION_TTL}) and the browser is sent on to {@code next}, a path of this
 * server; a wrong one gets the form again with {@code 401}. {@code /logout} drops the cookie.
 * Without a token there is nothing to sign in to: both send the browser to {@code /}.
 */
final class BrowserLogin {

    static final String LOGIN = "/login";
    static final String LOGOUT = "/logout";

    private final Optional<BearerToken> token;
    private final Clock clock;

    BrowserLogin(Optional<BearerToken> token, Clock clock) {
        this.token = token;
        this.clock = clock;
    }

    void addTo(RoutesConfig routes) {
        routes.get(LOGIN, ctx -> {
            String presented = ctx.queryParam("token");
            if (token.isEmpty()) {
                ctx.redirect(safeNext(ctx.queryParam("next")), HttpStatus.SEE_OTHER);
            } else if (presented != null) {
                exchange(ctx, presented, ctx.queryParam("next"));
            } else {
                page(ctx, 200, ctx.queryParam("next"), null);
            }
        });
        routes.post(LOGIN, ctx -> {
            if (token.isEmpty()) {
                ctx.redirect(safeNext(ctx.formParam("next")), HttpStatus.SEE_OTHER);
            } else {
                exchange(ctx, ctx.formParam("token"), ctx.formParam("next"));
            }
        });
        routes.get(LOGOUT, ctx -> {
            ctx.header("Set-Cookie", cookie("", 0));
            ctx.redirect(token.isPresent() ? LOGIN : "/", HttpStatus.SEE_OTHER);
        });
    }

    private void exchange(Context ctx, String presented, String next) {
        if (presented == null || !token.get().matches(presented)) {
            page(ctx, 401, next, "That is not the token this server was started with.");
            return;
        }
        ctx.header("Set-Cookie", cookie(token.get().newSession(clock.instant()), BearerToken.SESSION_TTL.toSeconds()));
        ctx.header("Cache-Control", "no-store");
        ctx.redirect(safeNext(next), HttpStatus.SEE_OTHER);
    }

    private static String cookie(String value, long maxAgeSeconds) {
        return AccessRules.SESSION_COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Lax";
    }

    /** {@code next} when it is a path of this server, else {@code /}: a login never sends a browser elsewhere. */
    static String safeNext(String next) {
        if (next == null || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")
                || next.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return "/";
        }
        return next;
    }

    private static void page(Context ctx, int status, String next, String error) {
        String html = """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>embedflow · sign in</title>
                <link rel="icon" href="data:,">
                <link rel="stylesheet" href="/static/app.css">
                </head>
                <body>
                <main class="login">
                <h1>embedflow</h1>
                <p>This server needs the token <code>embedflow serve</code> was started with
                (<code>--token-file</code> or <code>$EMBEDFLOW_SERVE_TOKEN</code>).</p>
                <form method="post" action="/login">
                <input type="hidden" name="next" value="%s">
                <label>Token <input type="password" name="token" id="token" autocomplete="current-password" required autofocus></label>
                <button type="submit">Sign in</button>
                </form>
                %s
                </main>
                </body>
                </html>
                """.formatted(Html.escape(safeNext(next)), error == null ? "" : "<p class=\"error\">" + Html.escape(error) + "</p>");
        ctx.status(status).contentType("text/html; charset=utf-8").header("Cache-Control", "no-store")
                .header("Content-Security-Policy", Html.PAGE_POLICY).result(html);
    }
}
