package io.embedflow.connectors.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3ErrorsTest {
  private final S3Errors errors = new S3Errors("http://127.0.0.1:9000", "bucket");

  @Test
  void anErrorWithoutAnS3ErrorCodeIsClassifiedByItsStatus() {
    // a load balancer's 503, or a HEAD's 403, comes without a body and so without an error code
    ObjectStoreException unavailable = errors.translate(S3Exception.builder().statusCode(503).build(), "read",
        "s3://bucket/k", "k", "s3://bucket/");
    ObjectStoreException denied = errors.translate(S3Exception.builder().statusCode(403).build(), "read",
        "s3://bucket/k", "k", "s3://bucket/");

    assertThat(unavailable.isTransient()).isTrue();
    assertThat(unavailable).hasMessageContaining("HTTP 503").hasMessageContaining("s3://bucket/k");
    assertThat(denied).isInstanceOf(AccessDeniedException.class);
  }
}
