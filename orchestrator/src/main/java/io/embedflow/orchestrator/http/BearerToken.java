package io.embedflow.orchestrator.http;

import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The secret every request to an HTTP endpoint of embedflow ({@code serve}'s) must present as
 * {@code Authorization: Bearer <token>}. Only its SHA-256 digest is kept, and requests are compared
 * digest to digest with {@link MessageDigest#isEqual}, which takes the same time wherever the
 * digests differ; the token itself is never logged, printed or put in an exception.
 */
public final class BearerToken {

    /** The environment variable a token may come from. */
    public static final String ENV = "EMBEDFLOW_SERVE_TOKEN";
    /** Shorter tokens are refused: they can be guessed. */
    public static final int MIN_LENGTH = 16;
    private static final String SCHEME = "Bearer ";

    private final byte[] digest;

    private BearerToken(String token) {
        this.digest = sha256(token);
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
        return MessageDigest.isEqual(digest, sha256(authorization.substring(SCHEME.length()).strip()));
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
