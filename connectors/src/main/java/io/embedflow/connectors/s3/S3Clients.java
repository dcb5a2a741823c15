package io.embedflow.connectors.s3;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings.AsyncClient;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.crt.CRT;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3CrtAsyncClientBuilder;

/**
 * Builds S3 clients from {@link S3Settings}: synchronous ones ({@link #create}) on Apache HttpClient 5, and
 * asynchronous ones ({@link #createAsync}) for bulk reads. The caller owns the client and closes it.
 *
 * <p>The region is, in order: {@link S3Settings#region()}; then, with an endpoint override, the
 * {@code AWS_REGION} variable, the {@code aws.region} property or the profile, else {@code us-east-1}
 * (S3-compatible stores rarely care, and the EC2 metadata lookup of the full chain would only add a
 * timeout off AWS); without one, the full AWS region chain, else {@code us-east-1} with cross-region
 * access so a bucket in another region still works.
 *
 * <p>With an endpoint override, request checksums and response validation are sent only where an
 * operation requires them: many S3-compatible stores reject the CRC trailers that the SDK sends by
 * default since 2.30. Downloads through {@code S3ObjectStore} still check lengths and ETags. A request that
 * asks for validation itself ({@code ChecksumMode.ENABLED} on a GET) is still validated.
 *
 * <p>The async clients retry as little as they can: their callers (the prefetcher) retry each part themselves,
 * with their own attempt limit and backoff. The Java-based client never retries. The CRT-based client cannot be
 * told not to (the CRT reads 0 retries as its default of 3), so it retries a transient failure once, within the
 * same call; a caller's attempt is then up to two HTTP requests. The CRT client also has no per-call timeout: a
 * connection that moves no bytes for {@link S3Settings#apiCallTimeout()} is dropped instead. Which
 * implementation {@link #createAsync} builds follows {@link S3Settings#asyncClient()}; see
 * {@link #asyncClientFor}.
 *
 * <pre>{@code
 * try (S3Client client = S3Clients.create(S3Settings.fromEnvironment())) { ... }
 * try (S3AsyncClient client = S3Clients.createAsync(S3Settings.fromEnvironment())) { ... }
 * }</pre>
 */
public final class S3Clients {
  private static final Logger LOG = LoggerFactory.getLogger(S3Clients.class);
  private static final Region FALLBACK_REGION = Region.US_EAST_1;
  /** Choices already logged at INFO; later clients with the same choice log it at DEBUG. */
  private static final Set<String> LOGGED_CHOICES = ConcurrentHashMap.newKeySet();

  private S3Clients() {}

  /**
   * A client whose credentials come from the default AWS chain ({@link DefaultCredentialsProvider}):
   * environment, system properties, web identity, profile, container, instance. The SDK creates the
   * chain and closes it with the client.
   */
  public static S3Client create(S3Settings settings) {
    Objects.requireNonNull(settings, "settings");
    return build(settings, null);
  }

  /**
   * A client with explicit credentials, for tests against a local S3 server and for callers with
   * their own credential source. The client does not close {@code credentials}.
   */
  public static S3Client create(S3Settings settings, AwsCredentialsProvider credentials) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(credentials, "credentials");
    return build(settings, credentials);
  }

  /**
   * A blocking client like {@link #create(S3Settings)} that never retries by itself, for callers that retry
   * with their own policy and count the retries (the {@link io.embedflow.connectors.prefetch.S3Prefetcher}).
   */
  public static S3Client createUnretried(S3Settings settings) {
    Objects.requireNonNull(settings, "settings");
    return build(settings, null, false);
  }

  /** {@link #createUnretried(S3Settings)} with explicit credentials; the client does not close them. */
  public static S3Client createUnretried(S3Settings settings, AwsCredentialsProvider credentials) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(credentials, "credentials");
    return build(settings, credentials, false);
  }

  /**
   * An async client whose credentials come from the default AWS chain, like {@link #create(S3Settings)}. It retries
   * as little as it can (see above); it keeps at most {@link S3Settings#maxConnections()} connections (requests
   * beyond that wait for one); its implementation is {@link #asyncClientFor(S3Settings)}.
   *
   * @throws ConnectorException when {@link AsyncClient#CRT} is asked for and the CRT's native library cannot load
   */
  public static S3AsyncClient createAsync(S3Settings settings) {
    Objects.requireNonNull(settings, "settings");
    return buildAsync(settings, null);
  }

  /** {@link #createAsync(S3Settings)} with explicit credentials; the client does not close {@code credentials}. */
  public static S3AsyncClient createAsync(S3Settings settings, AwsCredentialsProvider credentials) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(credentials, "credentials");
    return buildAsync(settings, credentials);
  }

  /**
   * The implementation {@link #createAsync} builds for {@code settings}: {@link AsyncClient#CRT} or
   * {@link AsyncClient#JAVA}, never {@link AsyncClient#AUTO}. {@code AUTO} means CRT where its native library loads
   * in this JVM, else JAVA.
   *
   * @throws ConnectorException when {@link AsyncClient#CRT} is asked for and the native library cannot load
   */
  public static AsyncClient asyncClientFor(S3Settings settings) {
    return chooseAsync(settings).kind();
  }

  private static S3Client build(S3Settings settings, AwsCredentialsProvider credentials) {
    return build(settings, credentials, true);
  }

  private static S3Client build(S3Settings settings, AwsCredentialsProvider credentials, boolean sdkRetries) {
    S3ClientBuilder builder = S3Client.builder()
        .httpClientBuilder(Apache5HttpClient.builder().maxConnections(settings.maxConnections()))
        .overrideConfiguration(o -> {
          o.apiCallTimeout(settings.apiCallTimeout());
          if (!sdkRetries) {
            o.retryStrategy(AwsRetryStrategy.doNotRetry());
          }
        })
        .forcePathStyle(settings.pathStyle());
    if (credentials != null) {
      builder.credentialsProvider(credentials);
    }
    Target target = Target.of(settings);
    builder.region(target.region()).crossRegionAccessEnabled(target.crossRegion());
    target.endpoint().ifPresent(endpoint -> builder.endpointOverride(endpoint)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED));
    return builder.build();
  }

  private static S3AsyncClient buildAsync(S3Settings settings, AwsCredentialsProvider credentials) {
    Choice choice = chooseAsync(settings);
    String line = choice.kind() + " (" + choice.reason() + ")";
    if (LOGGED_CHOICES.add(line)) {
      LOG.info("S3 async client: {}", line);
    } else {
      LOG.debug("S3 async client: {}", line);
    }
    Target target = Target.of(settings);
    return choice.kind() == AsyncClient.CRT
        ? buildCrt(settings, credentials, target)
        : buildJava(settings, credentials, target);
  }

  private static S3AsyncClient buildCrt(S3Settings settings, AwsCredentialsProvider credentials, Target target) {
    S3CrtAsyncClientBuilder builder = S3AsyncClient.crtBuilder()
        .maxConcurrency(settings.maxConnections())
        .forcePathStyle(settings.pathStyle())
        .region(target.region())
        .crossRegionAccessEnabled(target.crossRegion())
        // the CRT reads 0 retries as "its default" (3), so 1 is the fewest it can be told; see the class comment
        .retryConfiguration(retry -> retry.numRetries(1))
        .httpConfiguration(http -> http
            .connectionTimeout(settings.apiCallTimeout())
            .connectionHealthConfiguration(health -> health
                .minimumThroughputInBps(1L)
                .minimumThroughputTimeout(settings.apiCallTimeout())));
    if (credentials != null) {
      builder.credentialsProvider(credentials);
    }
    target.endpoint().ifPresent(endpoint -> builder.endpointOverride(endpoint)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED));
    return builder.build();
  }

  private static S3AsyncClient buildJava(S3Settings settings, AwsCredentialsProvider credentials, Target target) {
    S3AsyncClientBuilder builder = S3AsyncClient.builder()
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(settings.maxConnections()))
        .overrideConfiguration(o -> o.apiCallTimeout(settings.apiCallTimeout())
            .retryStrategy(AwsRetryStrategy.doNotRetry()))
        .forcePathStyle(settings.pathStyle())
        .region(target.region())
        .crossRegionAccessEnabled(target.crossRegion());
    if (credentials != null) {
      builder.credentialsProvider(credentials);
    }
    target.endpoint().ifPresent(endpoint -> builder.endpointOverride(endpoint)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED));
    return builder.build();
  }

  private static Choice chooseAsync(S3Settings settings) {
    Optional<String> crtMissing = CrtAvailability.PROBLEM;
    return switch (settings.asyncClient()) {
      case JAVA -> new Choice(AsyncClient.JAVA, "asked for in S3Settings");
      case CRT -> {
        if (crtMissing.isPresent()) {
          throw new ConnectorException("the CRT-based S3 client was asked for, but the AWS CRT native library cannot"
              + " load on this machine (" + crtMissing.get() + "); use the Java-based client instead ("
              + S3Settings.ASYNC_CLIENT_ENV + "=java)");
        }
        yield new Choice(AsyncClient.CRT, "asked for in S3Settings");
      }
      case AUTO -> crtMissing
          .map(problem -> new Choice(AsyncClient.JAVA, "AUTO: the AWS CRT native library cannot load: " + problem))
          .orElseGet(() -> new Choice(AsyncClient.CRT, "AUTO: the AWS CRT native library loads"));
    };
  }

  private record Choice(AsyncClient kind, String reason) {}

  /** Where requests go and how they are signed, resolved once for every kind of client alike. */
  private record Target(Optional<URI> endpoint, Region region, boolean crossRegion) {
    static Target of(S3Settings settings) {
      if (settings.endpoint().isPresent()) {
        return new Target(settings.endpoint(),
            settings.region().map(Region::of).orElseGet(() -> regionOr(localRegionChain())), false);
      }
      if (settings.region().isPresent()) {
        return new Target(Optional.empty(), Region.of(settings.region().get()), false);
      }
      return new Target(Optional.empty(), regionOr(DefaultAwsRegionProviderChain.builder().build()), true);
    }
  }

  /** Whether the CRT's native library loads in this JVM; probed once, on first use (loading it is a JVM-wide act anyway). */
  private static final class CrtAvailability {
    static final Optional<String> PROBLEM = probe();

    private static Optional<String> probe() {
      try {
        CRT.checkLoaded();
        return Optional.empty();
      } catch (LinkageError | RuntimeException e) {
        return Optional.of(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
      }
    }
  }

  private static AwsRegionProvider localRegionChain() {
    return new AwsRegionProviderChain(new SystemSettingsRegionProvider(), new AwsProfileRegionProvider());
  }

  private static Region regionOr(AwsRegionProvider provider) {
    try {
      return provider.getRegion();
    } catch (SdkClientException e) {
      return FALLBACK_REGION;
    }
  }
}
