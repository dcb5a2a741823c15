package io.embedflow.connectors.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import org.junit.jupiter.api.Test;

class S3UriTest {
  @Test
  void parsesLocationsAsDirectories() {
    assertThat(S3Uri.parse("s3://bucket/a/b/")).isEqualTo(new S3Uri("bucket", "a/b/"));
    assertThat(S3Uri.parse("s3://bucket/a/b")).isEqualTo(new S3Uri("bucket", "a/b/"));
    assertThat(S3Uri.parse("s3://bucket")).isEqualTo(new S3Uri("bucket", ""));
    assertThat(S3Uri.parse("s3://bucket/")).isEqualTo(new S3Uri("bucket", ""));
    assertThat(S3Uri.parse("S3://my.bucket-1/x").bucket()).isEqualTo("my.bucket-1");
  }

  @Test
  void printsAndResolves() {
    S3Uri root = S3Uri.parse("s3://bucket/data");

    assertThat(root).hasToString("s3://bucket/data/");
    assertThat(S3Uri.parse(root.toString())).isEqualTo(root);
    assertThat(S3Uri.parse("s3://bucket")).hasToString("s3://bucket/");
    assertThat(root.resolve("x/y.parquet")).isEqualTo(new S3Uri("bucket", "data/x/y.parquet"));
    assertThat(root.resolve("x/y.parquet")).hasToString("s3://bucket/data/x/y.parquet");
    assertThat(new S3Uri("bucket", "data").resolve("z")).hasToString("s3://bucket/data/z");
    assertThat(S3Uri.parse("s3://bucket").resolve("top")).hasToString("s3://bucket/top");
    assertThatThrownBy(() -> root.resolve("../escape")).isInstanceOf(ConnectorException.class);
  }

  @Test
  void knowsS3Locations() {
    assertThat(S3Uri.isS3("s3://b/x")).isTrue();
    assertThat(S3Uri.isS3("S3://b")).isTrue();
    assertThat(S3Uri.isS3("s3a://b/x")).isFalse();
    assertThat(S3Uri.isS3("/data/s3://x")).isFalse();
    assertThat(S3Uri.isS3(null)).isFalse();
  }

  @Test
  void rejectsBadLocations() {
    for (String bad : new String[] {"gs://bucket/x", "s3a://bucket", "s3://", "s3:///x", "s3://ab/x", "s3://bad bucket/x",
        "s3://bucket//x", "s3://bucket/a/../b", "s3://bucket/x?versionId=1"}) {
      assertThatThrownBy(() -> S3Uri.parse(bad)).as(bad).isInstanceOf(ConnectorException.class);
    }
  }

  @Test
  void rejectsCredentialsWithoutRepeatingThem() {
    assertThatThrownBy(() -> S3Uri.parse("s3://AKIAEXAMPLE:wJalrSECRET@bucket/x"))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("s3://***@bucket/x")
        .hasMessageContaining("credentials")
        .hasMessageNotContaining("wJalrSECRET")
        .hasMessageNotContaining("AKIAEXAMPLE");
  }

  @Test
  void parsesAnObjectsLocationAsItsKey() {
    S3Uri file = S3Uri.parseObject("s3://bucket/warehouse/docs/f2.parquet");
    assertThat(file.bucket()).isEqualTo("bucket");
    assertThat(file.key()).isEqualTo("warehouse/docs/f2.parquet");
    assertThat(file.toString()).isEqualTo("s3://bucket/warehouse/docs/f2.parquet");
    assertThatThrownBy(() -> S3Uri.parseObject("s3://bucket/warehouse/docs/")).hasMessageContaining("names no object");
    assertThatThrownBy(() -> S3Uri.parseObject("s3://bucket")).hasMessageContaining("names no object");
  }
}
