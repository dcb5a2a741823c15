package io.embedflow.connectors.parquet;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.internal.LocalParquet;
import io.embedflow.connectors.shard.IdType;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * Writes one local Parquet file whose rows are emitted straight into a {@link RecordConsumer} by an
 * {@link Encoder}: the owning writer stages one row in its own fields, then calls {@link #writeRow}.
 * No per-row objects. Dictionary encoding is off (ids, vectors and hashes are all near-unique).
 */
final class RowFileWriter implements Closeable {
  /** Emits the fields of the staged row; called between {@code startMessage} and {@code endMessage}. */
  interface Encoder {
    void encode(RecordConsumer consumer);
  }

  private static final Object ROW = new Object();

  private final Path file;
  private final ParquetWriter<Object> writer;
  private long rows;
  private boolean closed;

  RowFileWriter(Path file, MessageType schema, Map<String, String> metadata, Encoder encoder) {
    this.file = file;
    if (Files.exists(file)) {
      throw new ConnectorException("cannot write " + file + ": the file already exists");
    }
    try {
      this.writer = new Builder(file, new EncoderWriteSupport(schema, metadata, encoder))
          .withConf(LocalParquet.configuration())
          .withWriteMode(ParquetFileWriter.Mode.CREATE)
          .withCompressionCodec(CompressionCodecName.SNAPPY)
          .withDictionaryEncoding(false)
          .build();
    } catch (IOException | RuntimeException e) {
      throw new ConnectorException("cannot create Parquet file " + file + ": " + LocalParquet.describe(e), e);
    }
  }

  /** Writes the row the owner has staged. */
  void writeRow() {
    if (closed) {
      throw new ConnectorException("cannot write to " + file + ": the writer is closed");
    }
    try {
      writer.write(ROW);
    } catch (IOException | RuntimeException e) {
      throw new ConnectorException("cannot write row " + rows + " to " + file + ": " + LocalParquet.describe(e), e);
    }
    rows++;
  }

  long rowCount() {
    return rows;
  }

  Path file() {
    return file;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      writer.close();
    } catch (IOException | RuntimeException e) {
      throw new ConnectorException("cannot finish Parquet file " + file + ": " + LocalParquet.describe(e), e);
    }
  }

  /** The id column for {@code idType}. */
  static Type idField(String name, IdType idType, Repetition repetition) {
    switch (idType) {
      case INT32:
        return Types.primitive(PrimitiveTypeName.INT32, repetition).named(name);
      case INT64:
        return Types.primitive(PrimitiveTypeName.INT64, repetition).named(name);
      case STRING:
        return string(name, repetition);
      default:
        throw new IllegalArgumentException("unknown id type " + idType);
    }
  }

  static Type string(String name, Repetition repetition) {
    return Types.primitive(PrimitiveTypeName.BINARY, repetition).as(LogicalTypeAnnotation.stringType()).named(name);
  }

  static void addString(RecordConsumer consumer, String name, int index, String value) {
    consumer.startField(name, index);
    consumer.addBinary(Binary.fromString(value));
    consumer.endField(name, index);
  }

  static void addLong(RecordConsumer consumer, String name, int index, long value) {
    consumer.startField(name, index);
    consumer.addLong(value);
    consumer.endField(name, index);
  }

  /** Writes an id of {@code idType}; {@code idString} must be non-null for STRING ids. */
  static void addId(RecordConsumer consumer, String name, int index, IdType idType, long idLong, String idString) {
    consumer.startField(name, index);
    switch (idType) {
      case INT32:
        consumer.addInteger((int) idLong);
        break;
      case INT64:
        consumer.addLong(idLong);
        break;
      default:
        consumer.addBinary(Binary.fromString(idString));
    }
    consumer.endField(name, index);
  }

  /** Checks that an id fits its type before anything reaches the consumer. */
  static void checkId(IdType idType, long idLong, String idString, Path file) {
    if (idType == IdType.STRING && idString == null) {
      throw new ConnectorException("cannot write to " + file + ": STRING id is null");
    }
    if (idType == IdType.INT32 && (idLong < Integer.MIN_VALUE || idLong > Integer.MAX_VALUE)) {
      throw new ConnectorException("cannot write to " + file + ": id " + idLong + " does not fit INT32");
    }
  }

  private static final class EncoderWriteSupport extends WriteSupport<Object> {
    private final MessageType schema;
    private final Map<String, String> metadata;
    private final Encoder encoder;
    private RecordConsumer consumer;

    EncoderWriteSupport(MessageType schema, Map<String, String> metadata, Encoder encoder) {
      this.schema = schema;
      this.metadata = new HashMap<>(metadata);
      this.encoder = encoder;
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(schema, metadata);
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(schema, metadata);
    }

    @Override
    public String getName() {
      return "embedflow";
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.consumer = recordConsumer;
    }

    @Override
    public void write(Object ignored) {
      consumer.startMessage();
      encoder.encode(consumer);
      consumer.endMessage();
    }
  }

  private static final class Builder extends ParquetWriter.Builder<Object, Builder> {
    private final WriteSupport<Object> writeSupport;

    Builder(Path file, WriteSupport<Object> writeSupport) {
      super(new LocalOutputFile(file));
      this.writeSupport = writeSupport;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Object> getWriteSupport(Configuration conf) {
      return writeSupport;
    }

    @Override
    protected WriteSupport<Object> getWriteSupport(ParquetConfiguration conf) {
      return writeSupport;
    }
  }
}
