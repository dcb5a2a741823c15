package io.embedflow.connectors;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The proxy forwards signed S3 traffic unchanged and injects exactly the faults it is asked for. */
class FaultProxyTest {
  private static S3ProxyServer server;
  private static FaultProxy proxy;
  private static S3Client client;
  private static String bucket;

  @BeforeAll
  static void start() {
    server = S3ProxyServer.start();
    proxy = FaultProxy.start(server.endpoint());
    client = S3ProxyServer.client(server.settings().withEndpoint(proxy.endpoint()));
    bucket = server.createBucket();
  }

  @AfterAll
  static void stop() {
    client.close();
    proxy.close();
    server.close();
  }

  @Test
  void forwardsRequestsAndBodiesUnchanged() throws InterruptedException {
    byte[] content = new byte[300_000];
    new Random(3).nextBytes(content);
    proxy.resetCounters();

    client.putObject(b -> b.bucket(bucket).key("through"), RequestBody.fromBytes(content)); // Expect: 100-continue
    assertThat(client.getObjectAsBytes(b -> b.bucket(bucket).key("through")).asByteArray()).isEqualTo(content);
    assertThat(client.headObject(b -> b.bucket(bucket).key("through")).contentLength()).isEqualTo(content.length);
    assertThat(client.getObjectAsBytes(b -> b.bucket(bucket).key("through").range("bytes=10-19")).asByteArray())
        .hasSize(10);

    assertThat(proxy.requestsSeen()).isEqualTo(4);
    assertThat(proxy.faultsInjected()).isZero();
    assertThat(proxy.awaitIdle(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void injectsEachQueuedFaultOnceIntoGets() {
    byte[] content = new byte[100_000];
    client.putObject(b -> b.bucket(bucket).key("faulty"), RequestBody.fromBytes(content));
    proxy.resetCounters();
    proxy.failNext(1, 503, "SlowDown");
    proxy.resetMidBodyNext(1);
    proxy.truncateBodyNext(1);

    // the sync client retries each fault by itself
    assertThat(client.getObjectAsBytes(b -> b.bucket(bucket).key("faulty")).asByteArray()).isEqualTo(content);

    assertThat(proxy.faultsInjected()).isEqualTo(3);
    assertThat(proxy.requestsSeen()).isEqualTo(4);
    assertThat(proxy.faultsPending()).isZero();
  }

  @Test
  void answersInjectedErrorsAsS3DoesAndKeepsFaultsForRequestsInScope() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest get = HttpRequest.newBuilder(proxy.endpoint().resolve("/" + bucket + "/any")).build();
    proxy.failNext(1, 500, "InternalError");

    HttpResponse<String> response = http.send(get, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body()).contains("<Code>InternalError</Code>");

    proxy.scope(FaultProxy.Scope.RANGED_GET).failNext(1, 503, "SlowDown");
    try {
      assertThat(http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).as("S3Proxy's own answer")
          .isIn(403, 404);
      assertThat(proxy.faultsPending()).isEqualTo(1);
      HttpRequest ranged = HttpRequest.newBuilder(get.uri()).header("Range", "bytes=0-1").build();
      assertThat(http.send(ranged, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
    } finally {
      proxy.scope(FaultProxy.Scope.GET).clearFaults();
    }
  }
}
