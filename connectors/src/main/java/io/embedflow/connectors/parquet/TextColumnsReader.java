package io.embedflow.connectors.parquet;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.internal.LocalParquet;
import io.embedflow.connectors.shard.ShardPlanner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads a few string or integer columns (integers as their decimal text) of a small local Parquet
 * dataset whole, such as (query, positive) pairs for fine-tuning or (query id, query, relevant id)
 * judgements for evaluation: the files {@link ShardPlanner} would plan under the root, in the same
 * order, row by row. Not the data path of a refresh (that streams shards); for inputs that fit in
 * memory.
 */
public final class TextColumnsReader {
  private TextColumnsReader() {}

  /**
   * One row of the dataset.
   *
   * @param file the file, relative to the dataset root
   * @param row 0-based row in that file
   * @param values the columns' values in the order asked for; null where the value is null
   */
  public record Row(String file, long row, String[] values) {}

  /**
   * Every row of the Parquet files under {@code root}, with {@code columns} as strings.
   *
   * @throws ConnectorException naming the file when a column is missing or neither a string nor an integer, or a
   *     file is not Parquet
   */
  public static List<Row> read(Path root, List<String> columns) {
    Objects.requireNonNull(root, "root");
    List<Row> rows = new ArrayList<>();
    List<Map.Entry<String, Path>> files = ShardPlanner.localParquetFiles(root);
    if (files.isEmpty()) {
      throw new ConnectorException("no Parquet files under " + root);
    }
    for (Map.Entry<String, Path> file : files) {
      checkColumns(file.getValue(), columns);
      long[] row = {0};
      TableRows.forEach(file.getValue(), columns, slots -> {
        String[] values = new String[columns.size()];
        for (int i = 0; i < values.length; i++) {
          Object v = slots.get(columns.get(i));
          values[i] = v == null ? null : v.toString();
        }
        return new Row(file.getKey(), row[0]++, values);
      }, rows::add);
    }
    return rows;
  }

  private static void checkColumns(Path file, List<String> columns) {
    MessageType schema;
    try (ParquetFileReader reader = LocalParquet.open(file)) {
      schema = reader.getFooter().getFileMetaData().getSchema();
    } catch (IOException e) {
      throw new ConnectorException("cannot read " + file + ": " + e.getMessage(), e);
    }
    for (String column : columns) {
      if (!schema.containsField(column)) {
        throw new ConnectorException(file + " has no column '" + column + "' (it has " + schema.getFields().stream()
            .map(Type::getName).toList() + ")");
      }
      Type type = schema.getType(column);
      PrimitiveType.PrimitiveTypeName kind = type.isPrimitive() ? type.asPrimitiveType().getPrimitiveTypeName() : null;
      if (kind != PrimitiveType.PrimitiveTypeName.BINARY && kind != PrimitiveType.PrimitiveTypeName.INT32
          && kind != PrimitiveType.PrimitiveTypeName.INT64) {
        throw new ConnectorException("column '" + column + "' of " + file + " is " + type + ", not a string or an integer");
      }
    }
  }
}
