package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * A metadata database URL split into what the driver needs and what may be shown.
 *
 * <p>Credentials never travel inside the URL handed to the driver: a PostgreSQL user and
 * password, given as {@code user:password@host} or as {@code user=}/{@code password=}
 * parameters, are moved into the connection properties, so drivers, Flyway's log lines and
 * {@code DatabaseMetaData.getURL()} only ever see a URL without them. {@link #redact} and
 * {@link #scrub} are the second line of defence for messages that still carry a secret.
 * Accepted forms: {@code jdbc:sqlite:...}, {@code jdbc:postgresql:...}, and the libpq-style
 * {@code postgresql://} and {@code postgres://}.
 */
final class DatabaseUrl {

    enum Vendor { SQLITE, POSTGRESQL }

    private static final String SQLITE_PREFIX = "jdbc:sqlite:";
    private static final String POSTGRES_PREFIX = "jdbc:postgresql:";
    private static final List<String> POSTGRES_ALIASES = List.of("postgresql:", "postgres:");
    private static final String REDACTED = "***";

    private final Vendor vendor;
    private final String connectUrl;
    private final Properties credentials;
    private final String description;
    private final List<String> secrets;

    private DatabaseUrl(Vendor vendor, String connectUrl, Properties credentials, String description, List<String> secrets) {
        this.vendor = vendor;
        this.connectUrl = connectUrl;
        this.credentials = credentials;
        this.secrets = List.copyOf(secrets);
        // a password can sit where the URL's shape does not expect one (e.g. in the port)
        this.description = redact(description);
    }

    /** Parses {@code url}; an unsupported URL is an error that names it without credentials. */
    static DatabaseUrl parse(String url) {
        if (url.startsWith(SQLITE_PREFIX)) {
            List<String> secrets = new ArrayList<>();
            splitQuery(url, new Properties(), secrets);
            return new DatabaseUrl(Vendor.SQLITE, url, new Properties(), describe(url), secrets);
        }
        String rest = null;
        if (url.startsWith(POSTGRES_PREFIX)) {
            rest = url.substring(POSTGRES_PREFIX.length());
        }
        for (String alias : POSTGRES_ALIASES) {
            if (url.startsWith(alias + "//")) {
                rest = url.substring(alias.length());
            }
        }
        if (rest == null) {
            throw new OrchestratorException("unsupported metadata database " + describe(url)
                    + ": use a jdbc:sqlite: or jdbc:postgresql:// URL");
        }
        Properties credentials = new Properties();
        List<String> secrets = new ArrayList<>();
        String kept = splitQuery(rest, credentials, secrets);
        if (kept.startsWith("//")) {
            int slash = kept.indexOf('/', 2);
            int end = slash < 0 ? kept.length() : slash;
            int at = kept.lastIndexOf('@', end);
            if (at >= 2) {
                String userInfo = kept.substring(2, at);
                int colon = userInfo.indexOf(':');
                credentials.setProperty("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
                if (colon >= 0) {
                    addSecret(secrets, userInfo.substring(colon + 1));
                    credentials.setProperty("password", decode(userInfo.substring(colon + 1)));
                }
                kept = "//" + kept.substring(at + 1);
            }
        }
        String connectUrl = POSTGRES_PREFIX + kept;
        return new DatabaseUrl(Vendor.POSTGRESQL, connectUrl, credentials, describe(connectUrl), secrets);
    }

    Vendor vendor() {
        return vendor;
    }

    /** The URL to connect with: no user or password in it. */
    String connectUrl() {
        return connectUrl;
    }

    /** Connection properties: the credentials taken out of the URL over {@code defaults}. */
    Properties connectionProperties(Properties defaults) {
        Properties properties = new Properties();
        properties.putAll(defaults);
        properties.putAll(credentials);
        return properties;
    }

    /** Where the database lives, safe to show: no query string, no user or password. */
    String description() {
        return description;
    }

    /** The SQLite database file, or null for an in-memory or temporary database (or PostgreSQL). */
    Path sqliteFile() {
        if (vendor != Vendor.SQLITE) {
            return null;
        }
        String location = connectUrl.substring(SQLITE_PREFIX.length());
        int query = location.indexOf('?');
        String params = query < 0 ? "" : location.substring(query);
        location = query < 0 ? location : location.substring(0, query);
        if (location.startsWith("file:")) {
            location = location.substring("file:".length());
            if (location.startsWith("//")) {
                location = location.substring(2);
            }
        }
        if (location.isEmpty() || location.equals(":memory:") || params.contains("mode=memory")) {
            return null;
        }
        return Path.of(location).toAbsolutePath().normalize();
    }

    /** {@code text} with every secret of this URL replaced. */
    String redact(String text) {
        if (text == null) {
            return null;
        }
        String result = text;
        for (String secret : secrets) {
            result = result.replace(secret, REDACTED);
        }
        return result;
    }

    /**
     * {@code failure} itself when no message in its chain names a secret; otherwise a copy of the
     * chain with the secrets replaced, each link keeping the original's type name and stack.
     */
    Throwable scrub(Throwable failure) {
        if (failure == null || !leaks(failure)) {
            return failure;
        }
        Throwable copy = new RedactedException(failure.getClass().getName() + ": " + redact(failure.getMessage()),
                scrub(failure.getCause()));
        copy.setStackTrace(failure.getStackTrace());
        for (Throwable suppressed : failure.getSuppressed()) {
            copy.addSuppressed(scrub(suppressed));
        }
        return copy;
    }

    /** An {@link OrchestratorException} "{@code action} {@code database}: {@code cause's message}". */
    OrchestratorException failure(String action, Throwable cause) {
        return new OrchestratorException(action + " " + description + ": " + redact(cause.getMessage()), scrub(cause));
    }

    private boolean leaks(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String text = t.toString();
            for (String secret : secrets) {
                if (text.contains(secret)) {
                    return true;
                }
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (leaks(suppressed)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Removes the user and every password-like parameter from {@code url}'s query string,
     * moving them into {@code credentials}; returns {@code url} without them.
     */
    private static String splitQuery(String url, Properties credentials, List<String> secrets) {
        int query = url.indexOf('?');
        if (query < 0) {
            return url;
        }
        List<String> kept = new ArrayList<>();
        for (String param : url.substring(query + 1).split("&")) {
            int eq = param.indexOf('=');
            String key = eq < 0 ? param : param.substring(0, eq);
            String value = eq < 0 ? "" : param.substring(eq + 1);
            boolean secret = key.toLowerCase(Locale.ROOT).contains("password");
            if (secret) {
                addSecret(secrets, value);
            }
            if (secret || key.equals("user")) {
                credentials.setProperty(key, decode(value));
            } else if (!param.isEmpty()) {
                kept.add(param);
            }
        }
        return url.substring(0, query) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }

    private static void addSecret(List<String> secrets, String raw) {
        String decoded = decode(raw);
        for (String s : List.of(raw, decoded)) {
            if (!s.isEmpty() && !secrets.contains(s)) {
                secrets.add(s);
            }
        }
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }

    /** The database's location for messages: no query string, no user or password. */
    static String describe(String jdbcUrl) {
        String location = jdbcUrl.startsWith(SQLITE_PREFIX) ? jdbcUrl.substring(SQLITE_PREFIX.length()) : jdbcUrl;
        int query = location.indexOf('?');
        if (query >= 0) {
            location = location.substring(0, query);
        }
        return location.replaceAll("//[^/]*@", "//");
    }

    /** Stands in for a failure whose message named a secret. */
    private static final class RedactedException extends Exception {

        private static final long serialVersionUID = 1L;

        RedactedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
