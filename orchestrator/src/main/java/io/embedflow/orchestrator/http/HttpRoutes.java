package io.embedflow.orchestrator.http;

import io.javalin.config.RoutesConfig;
import java.util.List;

/**
 * A group of routes mounted on a {@link StatusServer} (the web UI is one). Its handlers run on the
 * server's request threads, several at once, and only for requests that passed the server's access
 * rules, except for the paths under {@link #publicPrefixes()}.
 */
public interface HttpRoutes {

    /** Adds the group's handlers; called once, before the server starts. */
    void addTo(RoutesConfig routes);

    /**
     * Path prefixes served without a token even when the server requires one (e.g. {@code /static/}
     * for the stylesheet of the login page). Nothing that shows state may be under them.
     */
    default List<String> publicPrefixes() {
        return List.of();
    }
}
