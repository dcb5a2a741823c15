package io.embedflow.connectors.internal;

import io.embedflow.connectors.ConnectorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers shared by the snapshot, planner and content-hash code. Not part of the public API. */
public final class Sha256 {
  private static final int FILE_BUFFER_BYTES = 1 << 20;

  private Sha256() {}

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // every Java platform is required to provide SHA-256
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  /** Hex SHA-256 of a file's bytes, read as a stream through a 1 MiB buffer. */
  public static String ofFile(Path file) {
    MessageDigest digest = newDigest();
    byte[] buffer = new byte[FILE_BUFFER_BYTES];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new ConnectorException("cannot read " + file + " to compute its SHA-256: " + e.getMessage(), e);
    }
    return hex(digest.digest());
  }
}
