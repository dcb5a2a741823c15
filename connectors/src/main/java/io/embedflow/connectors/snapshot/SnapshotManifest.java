package io.embedflow.connectors.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.ConnectorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The canonical manifest of a snapshot, whose SHA-256 is the snapshot id:
 *
 * <pre>{"files":[{"path":"a/b.pt","sha256":"…","size":123},…]}</pre>
 *
 * UTF-8, no whitespace, object keys in code-point order, files sorted by path
 * ({@link String#compareTo}), strings escaped as in RFC 8785 (JCS). The encoding must never
 * change: ids of existing snapshots depend on every byte.
 */
public final class SnapshotManifest {

  public static final Comparator<SnapshotFile> ORDER = Comparator.comparing(SnapshotFile::path);

  private static final ObjectMapper JSON = new ObjectMapper();

  private SnapshotManifest() {
  }

  /** Canonical bytes of {@code files}, which must be sorted by path with no duplicates. */
  public static byte[] encode(List<SnapshotFile> files) {
    StringBuilder json = new StringBuilder(64 + files.size() * 128).append("{\"files\":[");
    for (int i = 0; i < files.size(); i++) {
      SnapshotFile file = files.get(i);
      if (i > 0) {
        if (ORDER.compare(files.get(i - 1), file) >= 0) {
          throw new IllegalArgumentException("manifest files not sorted or duplicated at " + file.path());
        }
        json.append(',');
      }
      json.append("{\"path\":");
      appendString(json, file.path());
      json.append(",\"sha256\":\"").append(file.sha256()).append("\",\"size\":").append(file.size()).append('}');
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Parses manifest bytes written by {@link #encode}; {@code where} names them in errors. */
  public static List<SnapshotFile> decode(byte[] bytes, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new ConnectorException(where + " is not valid JSON", e);
    }
    JsonNode files = root == null ? null : root.get("files");
    if (files == null || !files.isArray()) {
      throw new ConnectorException(where + " has no \"files\" array");
    }
    List<SnapshotFile> result = new ArrayList<>(files.size());
    for (JsonNode file : files) {
      JsonNode path = file.get("path");
      JsonNode size = file.get("size");
      JsonNode sha256 = file.get("sha256");
      if (path == null || !path.isTextual() || size == null || !size.canConvertToLong() || !size.isIntegralNumber()
          || sha256 == null || !sha256.isTextual()) {
        throw new ConnectorException(where + " has a malformed file entry " + file);
      }
      result.add(new SnapshotFile(path.asText(), size.asLong(), sha256.asText()));
    }
    return List.copyOf(result);
  }

  public static String sha256Hex(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static void appendString(StringBuilder json, String text) {
    json.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\b' -> json.append("\\b");
        case '\f' -> json.append("\\f");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> {
          if (c < 0x20) {
            json.append(String.format("\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    json.append('"');
  }
}
