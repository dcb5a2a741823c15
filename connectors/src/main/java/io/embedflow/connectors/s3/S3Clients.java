package io.embedflow.connectors.s3;

import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Builds synchronous S3 clients from {@link S3Settings}. The caller owns the client and closes it.
 *
 * <p>The region is, in order: {@link S3Settings#region()}; then, with an endpoint override, the
 * {@code AWS_REGION} variable, the {@code aws.region} property or the profile, else {@code us-east-1}
 * (S3-compatible stores rarely care, and the EC2 metadata lookup of the full chain would only add a
 * timeout off AWS); without one, the full AWS region chain, else {@code us-east-1} with cross-region
 * access so a bucket in another region still works.
 *
 * <p>With an endpoint override, request checksums and response validation are sent only where an
 * operation requires them: many S3-compatible stores reject the CRC trailers that the SDK sends by
 * default since 2.30. Downloads through {@code S3ObjectStore} still check lengths and ETags.
 *
 * <pre>{@code
 * try (S3Client client = S3Clients.create(S3Settings.fromEnvironment())) { ... }
 * }</pre>
 */
public final class S3Clients {
  private static final Region FALLBACK_REGION = Region.US_EAST_1;

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

  private static S3Client build(S3Settings settings, AwsCredentialsProvider credentials) {
    S3ClientBuilder builder = S3Client.builder()
        .httpClientBuilder(Apache5HttpClient.builder().maxConnections(settings.maxConnections()))
        .overrideConfiguration(o -> o.apiCallTimeout(settings.apiCallTimeout()))
        .forcePathStyle(settings.pathStyle());
    if (credentials != null) {
      builder.credentialsProvider(credentials);
    }
    if (settings.endpoint().isPresent()) {
      builder.endpointOverride(settings.endpoint().get())
          .region(settings.region().map(Region::of).orElseGet(() -> regionOr(localRegionChain())))
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    } else if (settings.region().isPresent()) {
      builder.region(Region.of(settings.region().get()));
    } else {
      builder.region(regionOr(DefaultAwsRegionProviderChain.builder().build())).crossRegionAccessEnabled(true);
    }
    return builder.build();
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
