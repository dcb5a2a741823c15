package io.embedflow.connectors.s3;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.redact.Redaction;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * How to reach S3 or an S3-compatible store (MinIO, Ceph, S3Proxy, …). Immutable; validated at
 * construction.
 *
 * <p>Credentials are never held here: {@link S3Clients#create(S3Settings)} takes them from the standard
 * AWS chain (environment, system properties, profile, web identity, container, instance).
 *
 * <pre>{@code
 * S3Settings settings = S3Settings.defaults()
 *     .withEndpoint(URI.create("http://minio:9000"))
 *     .withPathStyle(true)
 *     .withRegion("eu-west-1");
 * }</pre>
 *
 * @param region the signing region; empty means the AWS region chain (see {@link S3Clients})
 * @param endpoint an endpoint override for S3-compatible stores; {@code http} or {@code https}, with a
 *     host and no user info; empty means AWS S3
 * @param pathStyle {@code true} for {@code http://host/bucket/key} requests (most S3-compatible stores),
 *     {@code false} for virtual-host style {@code http://bucket.host/key}
 * @param apiCallTimeout the limit on one API call including its retries; positive
 * @param maxConnections the size of the HTTP connection pool; at least 1; for the async clients the most requests
 *     in flight at once
 * @param asyncClient which implementation {@link S3Clients#createAsync(S3Settings)} builds
 */
public record S3Settings(Optional<String> region, Optional<URI> endpoint, boolean pathStyle, Duration apiCallTimeout,
    int maxConnections, AsyncClient asyncClient) {
  /** Environment variable with an endpoint override. */
  public static final String ENDPOINT_ENV = "EMBEDFLOW_S3_ENDPOINT";
  /** Environment variable: {@code true} or {@code false}. */
  public static final String PATH_STYLE_ENV = "EMBEDFLOW_S3_PATH_STYLE";
  /** System property with an endpoint override; wins over {@value #ENDPOINT_ENV}. */
  public static final String ENDPOINT_PROPERTY = "embedflow.s3.endpoint";
  /** System property: {@code true} or {@code false}; wins over {@value #PATH_STYLE_ENV}. */
  public static final String PATH_STYLE_PROPERTY = "embedflow.s3.path-style";
  /** The AWS SDK's region variable. */
  public static final String REGION_ENV = "AWS_REGION";
  /** Environment variable: {@code auto}, {@code crt} or {@code java} (any case); see {@link AsyncClient}. */
  public static final String ASYNC_CLIENT_ENV = "EMBEDFLOW_S3_ASYNC_CLIENT";
  /** System property like {@value #ASYNC_CLIENT_ENV}; wins over it. */
  public static final String ASYNC_CLIENT_PROPERTY = "embedflow.s3.async-client";

  /** The implementation behind {@link S3Clients#createAsync(S3Settings)}. */
  public enum AsyncClient {
    /**
     * {@link #CRT} where the AWS Common Runtime's native library loads on this machine, else {@link #JAVA}; the
     * client that was chosen, and why, is logged.
     */
    AUTO,
    /** The AWS Common Runtime S3 client (native code, its own connection pool and event loop); fails where the native library does not load. */
    CRT,
    /** The SDK's Java S3 async client on Netty: no native code. */
    JAVA
  }

  private static final Duration DEFAULT_API_CALL_TIMEOUT = Duration.ofSeconds(60);
  private static final int DEFAULT_MAX_CONNECTIONS = 64;

  public S3Settings {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(apiCallTimeout, "apiCallTimeout");
    region.ifPresent(S3Settings::checkRegion);
    endpoint.ifPresent(S3Settings::checkEndpoint);
    if (apiCallTimeout.isNegative() || apiCallTimeout.isZero()) {
      throw new ConnectorException("S3 API call timeout must be positive, was " + apiCallTimeout);
    }
    if (maxConnections < 1) {
      throw new ConnectorException("S3 max connections must be at least 1, was " + maxConnections);
    }
    Objects.requireNonNull(asyncClient, "asyncClient");
  }

  /** Settings with {@link AsyncClient#AUTO}. */
  public S3Settings(Optional<String> region, Optional<URI> endpoint, boolean pathStyle, Duration apiCallTimeout,
      int maxConnections) {
    this(region, endpoint, pathStyle, apiCallTimeout, maxConnections, AsyncClient.AUTO);
  }

  /** AWS S3 in the chain's region, virtual-host style, 60 s per API call, 64 connections, {@link AsyncClient#AUTO}. */
  public static S3Settings defaults() {
    return new S3Settings(Optional.empty(), Optional.empty(), false, DEFAULT_API_CALL_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
        AsyncClient.AUTO);
  }

  /**
   * {@link #defaults()} changed by the process environment: the endpoint from
   * {@value #ENDPOINT_PROPERTY} or {@value #ENDPOINT_ENV}, path style from {@value #PATH_STYLE_PROPERTY}
   * or {@value #PATH_STYLE_ENV}, the region from {@value #REGION_ENV}, the async client from
   * {@value #ASYNC_CLIENT_PROPERTY} or {@value #ASYNC_CLIENT_ENV}. System properties win over
   * environment variables; blank values count as unset.
   *
   * <p>When an endpoint is set and path style is not, path style is on: S3-compatible stores almost
   * always need it, and virtual-host style needs wildcard DNS that a local store rarely has.
   *
   * @throws ConnectorException for a malformed endpoint, a path-style value other than true/false or an unknown
   *     async client
   */
  public static S3Settings fromEnvironment() {
    return from(System.getenv(), System.getProperties());
  }

  /** {@link #fromEnvironment()} over explicit maps, for tests. */
  static S3Settings from(Map<String, String> env, Properties properties) {
    S3Settings settings = defaults();
    Optional<String> endpoint = firstSet(properties.getProperty(ENDPOINT_PROPERTY), env.get(ENDPOINT_ENV));
    Optional<String> pathStyle = firstSet(properties.getProperty(PATH_STYLE_PROPERTY), env.get(PATH_STYLE_ENV));
    Optional<String> region = firstSet(env.get(REGION_ENV), null);
    Optional<String> asyncClient = firstSet(properties.getProperty(ASYNC_CLIENT_PROPERTY), env.get(ASYNC_CLIENT_ENV));
    if (endpoint.isPresent()) {
      settings = settings.withEndpoint(parseEndpoint(endpoint.get())).withPathStyle(true);
    }
    if (pathStyle.isPresent()) {
      settings = settings.withPathStyle(parseBoolean(pathStyle.get()));
    }
    if (region.isPresent()) {
      settings = settings.withRegion(region.get());
    }
    if (asyncClient.isPresent()) {
      settings = settings.withAsyncClient(parseAsyncClient(asyncClient.get()));
    }
    return settings;
  }

  public S3Settings withEndpoint(URI newEndpoint) {
    return new S3Settings(region, Optional.of(newEndpoint), pathStyle, apiCallTimeout, maxConnections, asyncClient);
  }

  public S3Settings withPathStyle(boolean newPathStyle) {
    return new S3Settings(region, endpoint, newPathStyle, apiCallTimeout, maxConnections, asyncClient);
  }

  public S3Settings withRegion(String newRegion) {
    return new S3Settings(Optional.of(newRegion), endpoint, pathStyle, apiCallTimeout, maxConnections, asyncClient);
  }

  public S3Settings withApiCallTimeout(Duration newTimeout) {
    return new S3Settings(region, endpoint, pathStyle, newTimeout, maxConnections, asyncClient);
  }

  public S3Settings withMaxConnections(int newMaxConnections) {
    return new S3Settings(region, endpoint, pathStyle, apiCallTimeout, newMaxConnections, asyncClient);
  }

  public S3Settings withAsyncClient(AsyncClient newAsyncClient) {
    return new S3Settings(region, endpoint, pathStyle, apiCallTimeout, maxConnections, newAsyncClient);
  }

  private static Optional<String> firstSet(String first, String second) {
    if (first != null && !first.isBlank()) {
      return Optional.of(first.strip());
    }
    if (second != null && !second.isBlank()) {
      return Optional.of(second.strip());
    }
    return Optional.empty();
  }

  private static URI parseEndpoint(String text) {
    try {
      return new URI(text);
    } catch (java.net.URISyntaxException e) {
      throw new ConnectorException("S3 endpoint '" + Redaction.redact(text) + "' is not a valid URI");
    }
  }

  private static boolean parseBoolean(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConnectorException("S3 path style must be true or false, was '" + text + "'");
    };
  }

  private static AsyncClient parseAsyncClient(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "auto" -> AsyncClient.AUTO;
      case "crt" -> AsyncClient.CRT;
      case "java" -> AsyncClient.JAVA;
      default -> throw new ConnectorException("S3 async client must be auto, crt or java, was '" + text + "'");
    };
  }

  private static void checkRegion(String region) {
    if (region.isBlank() || !region.matches("[a-z0-9\\-]+")) {
      throw new ConnectorException("S3 region '" + region + "' is not a region name like us-east-1");
    }
  }

  private static void checkEndpoint(URI endpoint) {
    String scheme = endpoint.getScheme();
    if (endpoint.getRawUserInfo() != null) {
      throw new ConnectorException("S3 endpoint '" + Redaction.redact(endpoint.toString())
          + "' contains user info; credentials come from the AWS credential chain, never from the endpoint");
    }
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || endpoint.getHost() == null) {
      throw new ConnectorException("S3 endpoint '" + Redaction.redact(endpoint.toString())
          + "' must be an http:// or https:// URI with a host, like http://127.0.0.1:9000");
    }
  }
}
