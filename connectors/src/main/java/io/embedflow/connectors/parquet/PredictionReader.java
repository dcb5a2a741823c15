package io.embedflow.connectors.parquet;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a published predictions table (the files its manifest lists) into memory, for tools and tests. */
public final class PredictionReader {
  private static final List<String> COLUMNS =
      List.of(PredictionWriter.QUERY_ID, PredictionWriter.RANK, PredictionWriter.ID, PredictionWriter.SCORE);

  private PredictionReader() {}

  /**
   * One hit.
   *
   * @param queryId an {@link Integer}, {@link Long} or {@link String}, following the queries' id type
   * @param id likewise, following the corpus table's id type
   */
  public record Prediction(Object queryId, int rank, Object id, float score) {}

  /** Every prediction of the table at {@code location} (a directory or {@code s3://bucket/prefix/}). */
  public static List<Prediction> readAll(String location) {
    try (TableLocation table = TableLocation.open(location, S3Settings.fromEnvironment())) {
      List<Prediction> rows = new ArrayList<>();
      for (TableFile file : table.readManifest().files()) {
        rows.addAll(table.readFile(file, path -> TableRows.checkCount(table, file, readFile(path))));
      }
      return rows;
    }
  }

  /** Every prediction of one part file. */
  public static List<Prediction> readFile(Path file) {
    return TableRows.readAll(file, COLUMNS, slots -> new Prediction(slots.get(PredictionWriter.QUERY_ID),
        ((Number) slots.get(PredictionWriter.RANK)).intValue(), slots.get(PredictionWriter.ID),
        ((Number) slots.get(PredictionWriter.SCORE)).floatValue()));
  }
}
