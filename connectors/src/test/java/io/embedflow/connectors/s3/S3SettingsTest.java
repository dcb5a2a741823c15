package io.embedflow.connectors.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

class S3SettingsTest {
  private static Properties properties(String... keyValues) {
    Properties properties = new Properties();
    for (int i = 0; i < keyValues.length; i += 2) {
      properties.setProperty(keyValues[i], keyValues[i + 1]);
    }
    return properties;
  }

  @Test
  void defaultsAreAwsWithVirtualHostStyle() {
    S3Settings defaults = S3Settings.defaults();

    assertThat(defaults.region()).isEmpty();
    assertThat(defaults.endpoint()).isEmpty();
    assertThat(defaults.pathStyle()).isFalse();
    assertThat(defaults.apiCallTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(defaults.maxConnections()).isEqualTo(64);
    assertThat(defaults.asyncClient()).isEqualTo(S3Settings.AsyncClient.AUTO);
    assertThat(S3Settings.from(Map.of(), new Properties())).isEqualTo(defaults);
    assertThat(new S3Settings(Optional.empty(), Optional.empty(), false, Duration.ofSeconds(60), 64)).isEqualTo(defaults);
  }

  @Test
  void readsTheEnvironmentWithPropertiesWinning() {
    S3Settings fromEnv = S3Settings.from(
        Map.of("EMBEDFLOW_S3_ENDPOINT", "http://minio:9000", "AWS_REGION", "eu-west-1"), new Properties());
    assertThat(fromEnv.endpoint()).contains(URI.create("http://minio:9000"));
    assertThat(fromEnv.pathStyle()).as("on by default with an endpoint").isTrue();
    assertThat(fromEnv.region()).contains("eu-west-1");

    S3Settings overridden = S3Settings.from(
        Map.of("EMBEDFLOW_S3_ENDPOINT", "http://minio:9000", "EMBEDFLOW_S3_PATH_STYLE", "true"),
        properties("embedflow.s3.endpoint", "https://ceph.local", "embedflow.s3.path-style", "FALSE"));
    assertThat(overridden.endpoint()).contains(URI.create("https://ceph.local"));
    assertThat(overridden.pathStyle()).isFalse();
    assertThat(overridden.region()).isEmpty();
  }

  @Test
  void readsTheAsyncClientChoice() {
    assertThat(S3Settings.from(Map.of("EMBEDFLOW_S3_ASYNC_CLIENT", "Java"), new Properties()).asyncClient())
        .isEqualTo(S3Settings.AsyncClient.JAVA);
    assertThat(S3Settings.from(Map.of("EMBEDFLOW_S3_ASYNC_CLIENT", "java"),
        properties("embedflow.s3.async-client", "crt")).asyncClient()).isEqualTo(S3Settings.AsyncClient.CRT);
    assertThat(S3Settings.defaults().withAsyncClient(S3Settings.AsyncClient.JAVA).withRegion("eu-west-1").asyncClient())
        .as("kept by the other withers").isEqualTo(S3Settings.AsyncClient.JAVA);
    assertThatThrownBy(() -> S3Settings.from(Map.of("EMBEDFLOW_S3_ASYNC_CLIENT", "netty"), new Properties()))
        .isInstanceOf(ConnectorException.class).hasMessageContaining("'netty'").hasMessageContaining("auto, crt or java");
  }

  @Test
  void rejectsBadValuesWithoutEchoingCredentials() {
    assertThatThrownBy(() -> S3Settings.from(Map.of("EMBEDFLOW_S3_PATH_STYLE", "yes"), new Properties()))
        .isInstanceOf(ConnectorException.class).hasMessageContaining("'yes'");
    assertThatThrownBy(() -> S3Settings.defaults().withEndpoint(URI.create("http://key:hunter2@minio:9000")))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("user info")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> S3Settings.defaults().withEndpoint(URI.create("ftp://minio")))
        .isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> S3Settings.defaults().withRegion("Not A Region")).isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> S3Settings.defaults().withApiCallTimeout(Duration.ZERO)).isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> S3Settings.defaults().withMaxConnections(0)).isInstanceOf(ConnectorException.class);
    assertThatThrownBy(() -> new S3Settings(Optional.empty(), Optional.empty(), false, null, 1))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void clientsFollowTheSettings() {
    S3Settings settings = S3Settings.defaults().withEndpoint(URI.create("http://127.0.0.1:9")).withPathStyle(true);
    try (S3Client client = S3Clients.create(settings)) {
      assertThat(client.serviceClientConfiguration().endpointOverride()).contains(URI.create("http://127.0.0.1:9"));
      assertThat(client.serviceClientConfiguration().region()).isNotNull();
    }
    try (S3Client client = S3Clients.create(settings.withRegion("eu-central-1"))) {
      assertThat(client.serviceClientConfiguration().region().id()).isEqualTo("eu-central-1");
    }
  }

  @Test
  void asyncClientsFollowTheSettingsAndTheChoice() {
    S3Settings settings = S3Settings.defaults().withEndpoint(URI.create("http://127.0.0.1:9")).withPathStyle(true)
        .withRegion("eu-central-1");
    // the CRT's native library loads on every machine this project builds on (linux-x86_64, glibc)
    assertThat(S3Clients.asyncClientFor(settings)).isEqualTo(S3Settings.AsyncClient.CRT);
    assertThat(S3Clients.asyncClientFor(settings.withAsyncClient(S3Settings.AsyncClient.JAVA)))
        .isEqualTo(S3Settings.AsyncClient.JAVA);
    for (S3Settings.AsyncClient kind : List.of(S3Settings.AsyncClient.CRT, S3Settings.AsyncClient.JAVA)) {
      try (S3AsyncClient client = S3Clients.createAsync(settings.withAsyncClient(kind))) {
        assertThat(client.getClass().getSimpleName().contains("Crt")).as(kind.name())
            .isEqualTo(kind == S3Settings.AsyncClient.CRT);
        assertThat(client.serviceClientConfiguration().endpointOverride()).contains(URI.create("http://127.0.0.1:9"));
        assertThat(client.serviceClientConfiguration().region().id()).isEqualTo("eu-central-1");
      }
    }
  }
}
