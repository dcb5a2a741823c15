package io.embedflow.connectors.prefetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Clients;
import io.embedflow.connectors.s3.S3Settings;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/** Objects with known content in S3Proxy, and the checks the prefetcher tests share. */
final class TestObjects {
  private TestObjects() {}

  static byte[] content(long seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** Uploads {@code bytes} and returns the object's ETag. */
  static String put(S3ProxyServer server, String bucket, String key, byte[] bytes) {
    return server.client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes)).eTag();
  }

  static S3AsyncClient client(S3Settings settings, S3Settings.AsyncClient kind) {
    return client(settings, kind, S3ProxyServer.CREDENTIAL);
  }

  static S3AsyncClient client(S3Settings settings, S3Settings.AsyncClient kind, String secret) {
    return S3Clients.createAsync(settings.withAsyncClient(kind),
        StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.IDENTITY, secret)));
  }

  /** The bytes {@code range} covers, cut from the uploaded objects (by key). */
  static byte[] expected(ByteRange range, Map<String, byte[]> objects) {
    byte[] object = objects.get(range.key());
    return Arrays.copyOfRange(object, (int) range.offset(), (int) range.end());
  }

  static byte[] bytes(ByteBuffer data) {
    byte[] bytes = new byte[data.remaining()];
    data.duplicate().get(bytes);
    return bytes;
  }

  /** Takes every range, checks order, bounds and bytes, closes each; returns how many there were. */
  static int drainAndCheck(S3Prefetcher prefetcher, List<ByteRange> ranges, Map<String, byte[]> objects) {
    int taken = 0;
    while (prefetcher.hasNext()) {
      try (FetchedRange fetched = prefetcher.next()) {
        assertThat(fetched.index()).isEqualTo(taken);
        assertThat(fetched.range()).isEqualTo(ranges.get(taken));
        ByteBuffer data = fetched.data();
        assertThat(data.hasArray()).as("array-backed").isTrue();
        assertThat(data.position()).isZero();
        assertThat(data.limit()).isEqualTo((int) fetched.range().length());
        assertThat(Arrays.mismatch(bytes(data), expected(fetched.range(), objects)))
            .as("first wrong byte of %s", fetched.range().describe()).isEqualTo(-1);
      }
      taken++;
    }
    return taken;
  }
}
