package io.embedflow.connectors.internal;

import io.embedflow.connectors.ConnectorException;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * Opens local Parquet files without Hadoop {@code Path}/{@code FileSystem}. Not part of the public API.
 */
public final class LocalParquet {
  private LocalParquet() {}

  /** A fresh configuration; Parquet's plain configuration is mutable, so none is shared. */
  public static PlainParquetConfiguration configuration() {
    return new PlainParquetConfiguration();
  }

  public static ParquetReadOptions readOptions() {
    return ParquetReadOptions.builder(configuration()).build();
  }

  /**
   * Opens a reader on {@code file} (this reads and parses its footer). Any failure, including a
   * file that is not Parquet or is truncated, becomes a {@link ConnectorException} naming the file.
   * The caller closes the reader.
   */
  public static ParquetFileReader open(Path file) {
    try {
      return ParquetFileReader.open(inputFile(file), readOptions());
    } catch (IOException | RuntimeException e) {
      throw new ConnectorException("cannot read Parquet file " + file + ": " + describe(e), e);
    }
  }

  /** A local input file that names itself by its path in Parquet's own error messages. */
  public static LocalInputFile inputFile(Path file) {
    return new LocalInputFile(file) {
      @Override
      public String toString() {
        return file.toString();
      }
    };
  }

  /** The message of {@code e}, falling back to its class name when it has none. */
  public static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
