package io.embedflow.connectors.store;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.redact.Redaction;
import io.embedflow.connectors.s3.S3Clients;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.s3.S3Uri;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Opens an {@link ObjectStore} from a location string, as users write them in options and configs.
 *
 * <pre>{@code
 * try (ObjectStore store = ObjectStores.open("s3://models/embedflow", S3Settings.fromEnvironment())) { ... }
 * try (ObjectStore store = ObjectStores.open("/var/lib/embedflow/models", S3Settings.defaults())) { ... }
 * }</pre>
 */
public final class ObjectStores {
  private static final Pattern URI_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.\\-]*://.*", Pattern.DOTALL);

  private ObjectStores() {}

  /**
   * The canonical form of a dataset or table location: {@code s3://bucket/prefix} as it is (its form
   * checked), {@code file:/path} URIs and plain paths as absolute, normalized local paths.
   *
   * @throws ConnectorException for an invalid S3 URI or another scheme; messages mask credentials
   */
  public static String normalize(String location) {
    Objects.requireNonNull(location, "location");
    if (S3Uri.isS3(location)) {
      return S3Uri.parse(location).toString();
    }
    return localPath(location).toAbsolutePath().normalize().toString();
  }

  /** Whether {@code location} is an {@code s3://} URI. */
  public static boolean isS3(String location) {
    return S3Uri.isS3(location);
  }

  /**
   * {@code s3://bucket/prefix} → an {@link S3ObjectStore} with its own client from
   * {@link S3Clients#create(S3Settings)}, closed with the store; {@code file:/path} URIs and plain paths
   * → a {@link LocalObjectStore} (which creates the directory).
   *
   * @throws ConnectorException for an invalid S3 URI or another scheme ({@code gs://}, {@code http://}, …);
   *     messages mask any credentials in {@code location}
   */
  public static ObjectStore open(String location, S3Settings settings) {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(settings, "settings");
    if (S3Uri.isS3(location)) {
      S3Uri root = S3Uri.parse(location);
      return new S3ObjectStore(S3Clients.create(settings), root, true, S3ObjectStore.DEFAULT_MULTIPART_THRESHOLD,
          S3ObjectStore.DEFAULT_MIN_PART_SIZE, S3ObjectStore.DEFAULT_DOWNLOAD_CHUNK);
    }
    return new LocalObjectStore(localPath(location));
  }

  private static Path localPath(String location) {
    if (location.regionMatches(true, 0, "file:", 0, 5)) {
      try {
        return Path.of(URI.create(location));
      } catch (IllegalArgumentException e) {
        throw new ConnectorException("invalid file location '" + Redaction.redact(location) + "': " + e.getMessage(), e);
      }
    }
    if (URI_SCHEME.matcher(location).matches()) {
      throw new ConnectorException("unsupported store location '" + Redaction.redact(location)
          + "': use s3://bucket/prefix, file:/path or a plain path");
    }
    try {
      return Path.of(location);
    } catch (java.nio.file.InvalidPathException e) {
      throw new ConnectorException("invalid path '" + Redaction.redact(location) + "': " + e.getMessage(), e);
    }
  }
}
