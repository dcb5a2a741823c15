package io.embedflow.connectors;

import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.shard.IdType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.Type;

/** Writes small Parquet inputs for tests: arbitrary flat schemas, small row groups. */
public final class InputFiles {
  /** Text of every fifth row, so that dictionary encoding has repeats to work with. */
  public static final String COMMON_TEXT = "common text";

  private InputFiles() {}

  /** The usual input schema: an id of {@code idType}, an optional text, and a column readers must skip. */
  public static MessageType schema(IdType idType) {
    String id;
    switch (idType) {
      case INT32:
        id = "required int32 id;";
        break;
      case INT64:
        id = "required int64 id;";
        break;
      default:
        id = "required binary id (STRING);";
    }
    return MessageTypeParser.parseMessageType(
        "message doc { required double score; " + id + " optional binary body (STRING); optional int32 year; }");
  }

  /**
   * Writes {@code rows} rows in the usual schema to {@code file} and returns the rows a shard reader
   * should produce for them. Every seventh text is null, every fifth is {@link #COMMON_TEXT}.
   */
  public static List<TextRow> writeDocs(Path file, int fileIndex, IdType idType, int rows, int rowsPerGroup) {
    List<Object[]> values = new ArrayList<>();
    List<TextRow> expected = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      String text = i % 7 == 3 ? null : i % 5 == 0 ? COMMON_TEXT : "text of row " + i + " in file " + fileIndex + " ünïcödé";
      TextRow row = new TextRow(0, null, text, fileIndex, i);
      Object id;
      switch (idType) {
        case INT32:
          id = fileIndex * 100_000 + i;
          row.idLong = (int) id;
          break;
        case INT64:
          id = 5_000_000_000L + fileIndex * 100_000L + i;
          row.idLong = (long) id;
          break;
        default:
          id = "doc-" + fileIndex + "-" + i;
          row.idString = (String) id;
      }
      values.add(new Object[] {i * 0.5, id, text, i % 3 == 0 ? null : 2000 + i});
      expected.add(row);
    }
    write(file, schema(idType), rowsPerGroup, values);
    return expected;
  }

  /**
   * Writes {@code rows} (one value per top-level field, null for a missing optional value) to
   * {@code file}, starting a new row group every {@code rowsPerGroup} rows.
   */
  public static void write(Path file, MessageType schema, int rowsPerGroup, List<Object[]> rows) {
    write(file, schema, rowsPerGroup, 4096L, rows);
  }

  /** As {@link #write(Path, MessageType, int, List)}, also closing a row group at {@code rowGroupBytes}. */
  public static void write(Path file, MessageType schema, int rowsPerGroup, long rowGroupBytes, List<Object[]> rows) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (ParquetWriter<Object[]> writer = new Builder(file, schema)
          .withConf(new PlainParquetConfiguration())
          .withRowGroupSize(rowGroupBytes)
          .withRowGroupRowCountLimit(rowsPerGroup)
          .withPageRowCountLimit(Math.max(1, rowsPerGroup / 2))
          .build()) {
        for (Object[] row : rows) {
          writer.write(row);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class ArrayWriteSupport extends WriteSupport<Object[]> {
    private final MessageType schema;
    private RecordConsumer consumer;

    ArrayWriteSupport(MessageType schema) {
      this.schema = schema;
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(schema, new HashMap<>());
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(schema, new HashMap<>());
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.consumer = recordConsumer;
    }

    @Override
    public void write(Object[] row) {
      consumer.startMessage();
      for (int i = 0; i < row.length; i++) {
        if (row[i] == null) {
          continue;
        }
        Type field = schema.getType(i);
        consumer.startField(field.getName(), i);
        Object value = row[i];
        if (value instanceof Integer) {
          consumer.addInteger((Integer) value);
        } else if (value instanceof Long) {
          consumer.addLong((Long) value);
        } else if (value instanceof Double) {
          consumer.addDouble((Double) value);
        } else if (value instanceof Float) {
          consumer.addFloat((Float) value);
        } else if (value instanceof Boolean) {
          consumer.addBoolean((Boolean) value);
        } else {
          consumer.addBinary(Binary.fromString(value.toString()));
        }
        consumer.endField(field.getName(), i);
      }
      consumer.endMessage();
    }
  }

  private static final class Builder extends ParquetWriter.Builder<Object[], Builder> {
    private final MessageType schema;

    Builder(Path file, MessageType schema) {
      super(new LocalOutputFile(file));
      this.schema = schema;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Object[]> getWriteSupport(Configuration conf) {
      return new ArrayWriteSupport(schema);
    }

    @Override
    protected WriteSupport<Object[]> getWriteSupport(ParquetConfiguration conf) {
      return new ArrayWriteSupport(schema);
    }
  }
}
