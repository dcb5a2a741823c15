package io.embedflow.orchestrator.http;

import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every request to an HTTP endpoint of embedflow ({@code serve}'s) must present as
 * {@code Authorization: Bearer <token>}. Only its SHA-256 digest is kept, and requests are compared
 * digest to digest with {@link MessageDigest#isEqual}, which takes the same time wherever the
 * digests differ; the token itself is never logged, printed or put in an exception.
 *
 * <p>Browsers cannot add that header to a page load, so a browser trades the token once (on
 * {@code /login}) for a <em>session value</em> kept in an HttpOnly cookie: {@code v1.<issued epoch
 * second>.<HMAC-SHA256>}, signed with a key derived from the token. It holds nothing from which the
 * token could be recovered, needs no server-side state (it survives a restart of {@code serve}),
 * lasts {@link #SESSION_TTL}, and every session ends when the token changes.
 */
public final class BearerToken {

    /** The environment variable a token may come from. */
    public static final String ENV = "EMBEDFLOW_SERVE_TOKEN";
    /** Shorter tokens are refused: they can be guessed. */
    public static final int MIN_LENGTH = 16;
    /** How long a browser session lasts after {@code /login}. */
    public static final Duration SESSION_TTL = Duration.ofHours(12);
    private static final String SCHEME = "Bearer ";
    private static final String SESSION_VERSION = "v1";
    private static final String HMAC = "HmacSHA256";
    /** Clocks of one machine may step back a little; a session issued that far "in the future" still counts. */
    private static final Duration CLOCK_SLACK = Duration.ofMinutes(1);

    private final byte[] digest;
    private final byte[] sessionKey;

    private BearerToken(String token) {
        this.digest = sha256(token);
        // a key of its own, so that a session value says nothing about the digest requests are checked against
        this.sessionKey = sha256("embedflow browser session key\n" + token);
    }

    /** {@code token}, checked for length; {@code source} names where it came from in errors. */
    public static BearerToken of(String token, String source) {
        if (token == null || token.strip().length() < MIN_LENGTH) {
            throw new OrchestratorException("the token in " + source + " is shorter than " + MIN_LENGTH + " characters; "
                    + "use a long random one (e.g. `openssl rand -hex 32`)");
        }
        return new BearerToken(token.strip());
    }

    /** The token in {@code file} (surrounding whitespace dropped). */
    public static BearerToken fromFile(Path file) {
        try {
            return of(Files.readString(file, StandardCharsets.UTF_8), "token file " + file);
        } catch (IOException e) {
            throw new OrchestratorException("cannot read token file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The token from {@code file} if given, else from {@value #ENV} if set; empty if neither. */
    public static Optional<BearerToken> find(Path file, String environmentValue) {
        if (file != null) {
            return Optional.of(fromFile(file));
        }
        if (environmentValue != null && !environmentValue.isBlank()) {
            return Optional.of(of(environmentValue, "$" + ENV));
        }
        return Optional.empty();
    }

    /** Whether an {@code Authorization} header value (may be null) carries this token. */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        return matches(authorization.substring(SCHEME.length()));
    }

    /** Whether {@code presented} (surrounding whitespace dropped; may be null) is this token, e.g. as typed on a login form. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented.strip()));
    }

    /** A new browser session value, issued at {@code now}, for the {@code Set-Cookie} of a login. */
    public String newSession(Instant now) {
        String payload = SESSION_VERSION + "." + now.getEpochSecond();
        return payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sign(payload));
    }

    /**
     * Whether {@code session} (a cookie value, may be null) was issued by {@link #newSession} with this
     * token and is still valid at {@code now}.
     */
    public boolean acceptsSession(String session, Instant now) {
        if (session == null) {
            return false;
        }
        int signatureAt = session.lastIndexOf('.');
        int issuedAt = session.indexOf('.');
        if (issuedAt < 0 || signatureAt <= issuedAt || !session.substring(0, issuedAt).equals(SESSION_VERSION)) {
            return false;
        }
        Instant issued;
        byte[] signature;
        try {
            issued = Instant.ofEpochSecond(Long.parseLong(session.substring(issuedAt + 1, signatureAt)));
            signature = Base64.getUrlDecoder().decode(session.substring(signatureAt + 1));
        } catch (IllegalArgumentException | java.time.DateTimeException malformed) {
            return false;
        }
        if (issued.isAfter(now.plus(CLOCK_SLACK)) || !issued.plus(SESSION_TTL).isAfter(now)) {
            return false;
        }
        return MessageDigest.isEqual(signature, sign(session.substring(0, signatureAt)));
    }

    private byte[] sign(String payload) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(sessionKey, HMAC));
            return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "BearerToken[hidden]";
    }
}
