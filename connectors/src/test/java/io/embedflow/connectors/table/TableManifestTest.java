package io.embedflow.connectors.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.shard.IdType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableManifestTest {
  @TempDir Path dir;

  private static TableManifest sample() {
    return new TableManifest(TableManifest.FORMAT, "run-1", "model-abc", null, "data-xyz", "STRING", 384, 10, 1, 2,
        Instant.parse("2025-06-01T12:00:00.5Z"), List.of(new TableFile("part-00000.parquet", 10, 1234)),
        List.of(new TableFile("_rejected/part-00000.parquet", 1, 99)));
  }

  @Test
  void roundTripsAsPrettyJsonWithAnIsoInstant() throws IOException {
    sample().writeTo(dir);

    String json = Files.readString(dir.resolve(TableManifest.FILE_NAME));
    assertThat(json)
        .contains("\"format\" : \"embedflow-table/1\"")
        .contains("\"createdAt\" : \"2025-06-01T12:00:00.500Z\"")
        .contains("\n  \"runId\"")
        .doesNotContain("parsedIdType");
    assertThat(TableManifest.read(dir)).isEqualTo(sample());
    assertThat(TableManifest.read(dir).parsedIdType()).isEqualTo(IdType.STRING);
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(dir.resolve(TableManifest.FILE_NAME));
    }
  }

  @Test
  void missingManifestIsAClearError() {
    assertThatThrownBy(() -> TableManifest.read(dir))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(dir.resolve(TableManifest.FILE_NAME).toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void malformedManifestIsAClearError() throws IOException {
    Files.writeString(dir.resolve(TableManifest.FILE_NAME), "{\"format\": \"embedflow-table/1\", \"runId\": ");
    assertThatThrownBy(() -> TableManifest.read(dir))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining(TableManifest.FILE_NAME)
        .hasMessageContaining("malformed");

    Files.writeString(dir.resolve(TableManifest.FILE_NAME), "{\"format\": \"embedflow-table/1\"}");
    assertThatThrownBy(() -> TableManifest.read(dir))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("malformed")
        .hasMessageContaining("runId");

    Files.writeString(dir.resolve(TableManifest.FILE_NAME), "[]");
    assertThatThrownBy(() -> TableManifest.read(dir)).isInstanceOf(ConnectorException.class);
  }

  @Test
  void badInstantIsAClearError() throws IOException {
    sample().writeTo(dir);
    Path file = dir.resolve(TableManifest.FILE_NAME);
    Files.writeString(file, Files.readString(file).replace("2025-06-01T12:00:00.500Z", "yesterday"));
    assertThatThrownBy(() -> TableManifest.read(dir))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("yesterday");
  }

  @Test
  void otherFormatsAreRefused() throws IOException {
    sample().writeTo(dir);
    Path file = dir.resolve(TableManifest.FILE_NAME);
    Files.writeString(file, Files.readString(file).replace("embedflow-table/1", "embedflow-table/9"));
    assertThatThrownBy(() -> TableManifest.read(dir))
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("embedflow-table/9");
  }

  @Test
  void unknownFieldsAreIgnoredForForwardCompatibility() throws IOException {
    sample().writeTo(dir);
    Path file = dir.resolve(TableManifest.FILE_NAME);
    Files.writeString(file, Files.readString(file).replaceFirst("\\{", "{ \"future\": 1,"));
    assertThat(TableManifest.read(dir)).isEqualTo(sample());
  }
}
