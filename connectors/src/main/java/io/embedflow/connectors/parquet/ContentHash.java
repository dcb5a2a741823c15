package io.embedflow.connectors.parquet;

import io.embedflow.connectors.internal.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * The content hash stored beside each embedding: hex SHA-256 of the text's UTF-8 bytes. A refresh
 * compares it with the current text to find rows whose embedding is stale.
 */
public final class ContentHash {
  private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Sha256::newDigest);

  private ContentHash() {}

  /** Hex SHA-256 (64 lowercase characters) of {@code text} encoded as UTF-8. */
  public static String of(String text) {
    Objects.requireNonNull(text, "text");
    MessageDigest digest = DIGEST.get();
    digest.reset();
    return Sha256.hex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
