package io.embedflow.connectors.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Clients;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.s3.S3Uri;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** The contract against S3Proxy in-process, with small part and chunk sizes so multipart and ranged code runs; then S3's failures. */
class S3ObjectStoreTest extends ObjectStoreContractTest {
  /** Multipart above 4 MiB in parts of 5 MiB (S3's minimum), downloads in 1 MiB ranges. */
  static final long THRESHOLD = 4L << 20;
  static final long PART = 5L << 20;
  static final long CHUNK = 1L << 20;

  private static S3ProxyServer server;
  private String bucket;

  @BeforeAll
  static void startServer() {
    server = S3ProxyServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected ObjectStore newStore() {
    bucket = server.createBucket();
    return storeOn(server.client(), new S3Uri(bucket, "under/a/prefix/"));
  }

  private static S3ObjectStore storeOn(S3Client client, S3Uri root) {
    return new S3ObjectStore(client, root, false, THRESHOLD, PART, CHUNK);
  }

  @Test
  void keysLiveUnderTheRootPrefix() {
    store.putBytes("k/1", new byte[1]);
    try (ObjectStore whole = new S3ObjectStore(server.client(), new S3Uri(bucket, ""))) {
      whole.putBytes("under/a/prefixed-sibling", new byte[1]);
      whole.putBytes("elsewhere", new byte[1]);

      assertThat(whole.list("")).extracting(ObjectInfo::key)
          .containsExactly("elsewhere", "under/a/prefix/k/1", "under/a/prefixed-sibling");
    }
    assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("k/1");
    assertThat(store.describe()).isEqualTo("s3://" + bucket + "/under/a/prefix/");
    assertThat(store.stat("k/1")).hasValueSatisfying(info -> assertThat(info.etag()).isNotBlank().doesNotContain("\""));
  }

  @Test
  void largeFilesGoUpInPartsAndComeDownInRanges() throws IOException {
    byte[] content = randomBytes((int) (2 * PART + 12345), 7);
    Path source = Files.write(dir.resolve("large"), content);

    store.put("large", source);
    assertThat(store.putIfAbsent("large", source)).isFalse();
    assertThat(store.putIfAbsent("large-2", source)).isTrue();

    for (String key : List.of("large", "large-2")) {
      Path target = dir.resolve("out-" + key);
      store.download(key, target);
      assertThat(Files.readAllBytes(target)).isEqualTo(content);
      assertThat(store.stat(key)).hasValueSatisfying(info -> assertThat(info.size()).isEqualTo(content.length));
    }
  }

  @Test
  void aMultipartPutIfAbsentLosesToAKeyWrittenMeanwhile() throws IOException {
    Path source = Files.write(dir.resolve("parts"), randomBytes((int) (PART + 1), 5));
    store.putBytes("taken", new byte[] {42});
    String objectKey = "under/a/prefix/taken";

    // past the HEAD check, as when another writer wins the race: If-None-Match on completion decides
    boolean written = new S3MultipartUpload(server.client(), bucket, objectKey, source, PART + 1, PART).run(true);

    assertThat(written).isFalse();
    assertThat(store.readBytes("taken")).containsExactly(42);
    assertThat(server.client().listMultipartUploads(b -> b.bucket(bucket)).uploads()).as("aborted").isEmpty();
  }

  @Test
  void anObjectReplacedDuringADownloadFailsTransientlyAndLeavesNothing() throws IOException {
    byte[] original = randomBytes((int) (3 * CHUNK), 3);
    store.putBytes("moving", original);
    Path targetDir = Files.createDirectories(dir.resolve("dl"));
    // a client that replaces the object right after the first ranged GET has been answered
    try (S3Client racing = S3ProxyServer.clientWithInterceptor(server, new ReplaceAfterFirstGet(
            () -> store.putBytes("moving", randomBytes((int) (3 * CHUNK), 4))));
        ObjectStore racingStore = storeOn(racing, new S3Uri(bucket, "under/a/prefix/"))) {
      assertThatThrownBy(() -> racingStore.download("moving", targetDir.resolve("moving")))
          .isInstanceOf(ObjectStoreException.class)
          .hasMessageContaining("moving")
          .matches(e -> ((ObjectStoreException) e).isTransient(), "is transient");
    }
    try (Stream<Path> files = Files.list(targetDir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void wrongCredentialsAreDeniedNamingTheBucketButNotTheSecret() {
    String secret = "wrong-secret-Zq8xPlm2";
    try (S3Client wrong = server.client(S3ProxyServer.IDENTITY, secret);
        ObjectStore denied = new S3ObjectStore(wrong, new S3Uri(bucket, "p/"))) {
      for (Consumer<ObjectStore> operation : List.<Consumer<ObjectStore>>of(
          s -> s.stat("k"), s -> s.readBytes("k"), s -> s.putBytes("k", new byte[1]), s -> s.list(""))) {
        assertThatThrownBy(() -> operation.accept(denied))
            .isInstanceOf(AccessDeniedException.class)
            .hasMessageContaining(bucket)
            .hasMessageNotContaining(secret)
            .matches(e -> !((ObjectStoreException) e).isTransient(), "is not transient");
      }
    }
    try (S3Client unknown = server.client("unknown-access-key", secret);
        ObjectStore denied = new S3ObjectStore(unknown, new S3Uri(bucket, ""))) {
      assertThatThrownBy(() -> denied.readBytes("k"))
          .isInstanceOf(AccessDeniedException.class)
          .hasMessageContaining(bucket)
          .hasMessageNotContaining(secret);
    }
  }

  @Test
  void noCredentialsAnywhereIsAnAccessError() {
    // the default chain, with nothing set in this JVM and instance metadata disabled by the build;
    // a developer's own AWS credentials would be refused by S3Proxy instead: the same error class
    try (S3Client client = S3Clients.create(server.settings());
        ObjectStore store = new S3ObjectStore(client, new S3Uri(bucket, ""))) {
      assertThatThrownBy(() -> store.readBytes("k"))
          .isInstanceOf(AccessDeniedException.class)
          .hasMessageContaining(bucket)
          .matches(e -> !((ObjectStoreException) e).isTransient(), "is not transient");
    }
  }

  @Test
  void aMissingBucketIsAClearFatalError() {
    try (ObjectStore nowhere = new S3ObjectStore(server.client(), new S3Uri("no-such-bucket", ""))) {
      for (Consumer<ObjectStore> operation : List.<Consumer<ObjectStore>>of(
          s -> s.stat("k"), s -> s.readBytes("k"), s -> s.putBytes("k", new byte[1]), s -> s.list(""),
          s -> s.download("k", dir.resolve("never")))) {
        assertThatThrownBy(() -> operation.accept(nowhere))
            .isInstanceOf(ObjectStoreException.class)
            .isNotInstanceOf(ObjectNotFoundException.class)
            .hasMessageContaining("bucket 'no-such-bucket' does not exist")
            .matches(e -> !((ObjectStoreException) e).isTransient(), "is not transient");
      }
    }
    assertThat(dir.resolve("never")).doesNotExist();
  }

  @Test
  void anUnreachableEndpointIsATransientErrorNamingIt() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    URI endpoint = URI.create("http://127.0.0.1:" + closedPort);
    S3Settings settings = server.settings().withEndpoint(endpoint).withApiCallTimeout(Duration.ofSeconds(10));
    try (S3Client client = S3ProxyServer.client(settings);
        ObjectStore unreachable = new S3ObjectStore(client, new S3Uri("some-bucket", ""))) {
      for (Consumer<ObjectStore> operation : List.<Consumer<ObjectStore>>of(
          s -> s.stat("k"), s -> s.readBytes("k"), s -> s.list(""))) {
        assertThatThrownBy(() -> operation.accept(unreachable))
            .isInstanceOf(ObjectStoreException.class)
            .hasMessageContaining("127.0.0.1:" + closedPort)
            .matches(e -> ((ObjectStoreException) e).isTransient(), "is transient");
      }
    }
  }

  @Test
  void objectStoresOpensS3WithTheDefaultCredentialChain() {
    // the chain's first link is the aws.accessKeyId / aws.secretAccessKey system properties
    System.setProperty("aws.accessKeyId", S3ProxyServer.IDENTITY);
    System.setProperty("aws.secretAccessKey", S3ProxyServer.CREDENTIAL);
    try (ObjectStore opened = ObjectStores.open("s3://" + bucket + "/via/open", server.settings())) {
      opened.putBytes("k", new byte[] {1, 2, 3});
      assertThat(opened.describe()).isEqualTo("s3://" + bucket + "/via/open/");
      assertThat(store instanceof S3ObjectStore).isTrue();
      assertThat(server.client().headObject(b -> b.bucket(bucket).key("via/open/k")).contentLength()).isEqualTo(3);
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }
}
