package io.embedflow.connectors.s3;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.redact.Redaction;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An S3 location: a bucket and a key prefix.
 *
 * <p>{@link #parse} reads a location as a directory: {@code s3://bucket/a/b} and {@code s3://bucket/a/b/}
 * both give prefix {@code "a/b/"}, and {@code s3://bucket} gives {@code ""}. {@link #resolve} appends a
 * key to that directory and keeps it as given, so {@code parse("s3://b/data").resolve("x.parquet")} is
 * {@code s3://b/data/x.parquet} with prefix {@code "data/x.parquet"}. The prefix never starts with
 * {@code /} and has no empty, {@code .} or {@code ..} segment; characters are taken literally (no
 * percent-decoding).
 *
 * <p>Credentials never belong in a location: a URI with user info ({@code s3://KEY:SECRET@bucket}) is
 * rejected with a message that does not repeat them.
 *
 * @param bucket the bucket name, 3 to 255 of {@code [A-Za-z0-9._-]} (AWS allows upper case and
 *     {@code _} only in legacy buckets, S3-compatible stores vary)
 * @param prefix the key prefix, {@code ""} for the whole bucket
 */
public record S3Uri(String bucket, String prefix) {
  private static final String SCHEME = "s3://";
  private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9._\\-]{3,255}");

  public S3Uri {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(prefix, "prefix");
    if (!BUCKET.matcher(bucket).matches()) {
      throw new ConnectorException("invalid S3 bucket name '" + bucket
          + "': it must be 3 to 255 letters, digits, '.', '-' or '_'");
    }
    checkPrefix(prefix, bucket);
  }

  /** Whether {@code location} is an {@code s3://} URI (scheme in any case); says nothing about its validity. */
  public static boolean isS3(String location) {
    return location != null && location.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
  }

  /**
   * Parses {@code s3://bucket[/prefix]}.
   *
   * @throws ConnectorException for another scheme, a missing or invalid bucket, user info, a query or
   *     fragment, or an invalid prefix; the message shows the location with any user info masked
   */
  public static S3Uri parse(String uri) {
    Objects.requireNonNull(uri, "uri");
    if (!isS3(uri)) {
      throw new ConnectorException("not an s3:// URI: '" + Redaction.redact(uri) + "'");
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    if (authority.contains("@")) {
      throw new ConnectorException("S3 URI '" + Redaction.redact(uri) + "' contains credentials (user info);"
          + " remove them: credentials come from the AWS credential chain (environment, profile, web identity)");
    }
    if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
      throw new ConnectorException("S3 URI '" + Redaction.redact(uri) + "' must not have a query or fragment");
    }
    if (authority.isEmpty()) {
      throw new ConnectorException("S3 URI '" + uri + "' has no bucket");
    }
    if (!path.isEmpty() && !path.endsWith("/")) {
      path = path + "/";
    }
    return new S3Uri(authority, path);
  }

  /**
   * Parses {@code s3://bucket/key} as one object's location: its prefix is the object's key, without the
   * trailing {@code /} that {@link #parse} gives a directory.
   *
   * @throws ConnectorException as {@link #parse} does, and for a location without a key or one ending in {@code /}
   */
  public static S3Uri parseObject(String uri) {
    S3Uri location = parse(uri);
    if (location.prefix.isEmpty() || uri.endsWith("/")) {
      throw new ConnectorException("S3 URI '" + Redaction.redact(uri) + "' names no object: it needs a key not ending in '/'");
    }
    return new S3Uri(location.bucket, location.prefix.substring(0, location.prefix.length() - 1));
  }

  /** The object key of a location parsed with {@link #parseObject}. */
  public String key() {
    return prefix;
  }

  /**
   * This location's prefix read as a directory, with {@code key} appended.
   *
   * @param key a relative key: no leading {@code /}, no empty, {@code .} or {@code ..} segment; a
   *     trailing {@code /} makes the result a directory again
   */
  public S3Uri resolve(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      return this;
    }
    return new S3Uri(bucket, directoryPrefix() + key);
  }

  /** The prefix with a trailing {@code /} added when it is non-empty and lacks one: the key prefix of everything "under" this location. */
  public String directoryPrefix() {
    return prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
  }

  /** {@code s3://bucket/prefix}. */
  @Override
  public String toString() {
    return SCHEME + bucket + "/" + prefix;
  }

  private static void checkPrefix(String prefix, String bucket) {
    if (prefix.isEmpty()) {
      return;
    }
    String where = SCHEME + bucket + "/" + prefix;
    if (prefix.startsWith("/")) {
      throw new ConnectorException("S3 key prefix in '" + where + "' must not start with '/'");
    }
    String body = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    for (String segment : body.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new ConnectorException("S3 key prefix in '" + where + "' has an empty, '.' or '..' segment");
      }
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (prefix.charAt(i) < 0x20) {
        throw new ConnectorException("S3 key prefix of bucket '" + bucket + "' contains a control character at index " + i);
      }
    }
  }
}
