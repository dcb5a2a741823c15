package io.embedflow.connectors;

import io.embedflow.connectors.s3.S3Clients;
import io.embedflow.connectors.s3.S3Settings;
import java.net.URI;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: S3Proxy in this JVM on a free loopback port, objects in memory
 * ({@code transient-nio2}), AWS v2/v4 signatures checked against one static identity.
 *
 * <p>Unknown request headers are ignored ({@code s3proxy.ignore-unknown-headers}), since newer SDKs
 * send headers S3Proxy would otherwise answer with 501. Clients use path-style requests.
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String IDENTITY = "embedflow-test-identity";
  public static final String CREDENTIAL = "embedflow-test-credential-d3adb33f";

  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private final S3Proxy proxy;
  private final URI endpoint;
  private final S3Client client;

  private S3ProxyServer(S3Proxy proxy, URI endpoint) {
    this.proxy = proxy;
    this.endpoint = endpoint;
    this.client = client(IDENTITY, CREDENTIAL);
  }

  public static S3ProxyServer start() {
    try {
      S3Proxy proxy = S3Proxy.builder()
          .blobStore(BlobStores.create("transient-nio2", new Properties()))
          .endpoint(URI.create("http://127.0.0.1:0"))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, IDENTITY, CREDENTIAL)
          .ignoreUnknownHeaders(true)
          .build();
      proxy.start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      // S3Proxy offers no start signal; Jetty's state flips within milliseconds
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start within 10 s: " + proxy.getState());
        }
        Thread.sleep(5);
      }
      return new S3ProxyServer(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
    } catch (Exception e) {
      throw new IllegalStateException("cannot start S3Proxy", e);
    }
  }

  public URI endpoint() {
    return endpoint;
  }

  /** Path style, this server's endpoint, a fixed region (so no region lookup leaves the machine). */
  public S3Settings settings() {
    return S3Settings.defaults().withEndpoint(endpoint).withPathStyle(true).withRegion("us-east-1");
  }

  /** A shared client with the right credentials; closed by {@link #close()}. */
  public S3Client client() {
    return client;
  }

  /** A new client with the given credentials; the caller closes it. */
  public S3Client client(String accessKeyId, String secretAccessKey) {
    return S3Clients.create(settings(), StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId,
        secretAccessKey)));
  }

  /** A new client with the right credentials and other settings; the caller closes it. */
  public static S3Client client(S3Settings settings) {
    return S3Clients.create(settings, StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL)));
  }

  /**
   * A new client like {@link #client()} with {@code interceptor} added, to make things happen between
   * requests; built here because {@link S3Clients} offers no interceptors. The caller closes it.
   */
  public static S3Client clientWithInterceptor(S3ProxyServer server, ExecutionInterceptor interceptor) {
    return S3Client.builder()
        .endpointOverride(server.endpoint)
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL)))
        .overrideConfiguration(o -> o.addExecutionInterceptor(interceptor))
        .build();
  }

  /** Creates and returns a new, empty bucket. */
  public String createBucket() {
    String bucket = "bucket-" + BUCKETS.incrementAndGet();
    client.createBucket(b -> b.bucket(bucket));
    return bucket;
  }

  @Override
  public void close() {
    client.close();
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop S3Proxy", e);
    }
  }
}
