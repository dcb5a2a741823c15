package io.embedflow.connectors.parquet;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.shard.IdType;
import java.io.Closeable;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * Writes one part file of an embedding table:
 *
 * <pre>
 * message embedding {
 *   required int64 id;                 // or int32, or binary (STRING): the input's id type
 *   required group embedding (LIST) {
 *     repeated group list { required float element; }
 *   }                                  // exactly {@code dimension} elements
 *   required binary content_hash (STRING);
 *   required boolean truncated;        // the text was cut to the model's maximum length
 * }
 * </pre>
 *
 * <p>Tables written before {@code truncated} existed lack the column; readers take its absence as
 * {@code false}.
 *
 * <p>Rows are buffered in memory up to one row group (Parquet's default, 128 MiB) before they reach
 * disk; the file is complete only after {@link #close}. Not thread-safe.
 */
public final class EmbeddingTableWriter implements Closeable {
  public static final String ID = "id";
  public static final String EMBEDDING = "embedding";
  public static final String CONTENT_HASH = "content_hash";
  public static final String TRUNCATED = "truncated";

  private final IdType idType;
  private final int dimension;
  private final RowFileWriter out;

  // the staged row, read by encode()
  private long idLong;
  private String idString;
  private float[] vector;
  private String contentHash;
  private boolean truncated;

  /** Creates {@code file}; fails if it already exists. */
  public EmbeddingTableWriter(Path file, IdType idType, int dimension) {
    Objects.requireNonNull(file, "file");
    this.idType = Objects.requireNonNull(idType, "idType");
    if (dimension <= 0) {
      throw new ConnectorException("cannot write " + file + ": dimension must be > 0, was " + dimension);
    }
    this.dimension = dimension;
    this.out = new RowFileWriter(file, schema(idType),
        Map.of("embedflow.table", "embeddings", "embedflow.dimension", Integer.toString(dimension)), this::encode);
  }

  /** The Parquet schema of an embedding table with ids of {@code idType}. */
  public static MessageType schema(IdType idType) {
    return Types.buildMessage()
        .addField(RowFileWriter.idField(ID, idType, Repetition.REQUIRED))
        .addField(Types.requiredGroup()
            .as(LogicalTypeAnnotation.listType())
            .addField(Types.repeatedGroup()
                .addField(Types.required(PrimitiveTypeName.FLOAT).named("element"))
                .named("list"))
            .named(EMBEDDING))
        .addField(RowFileWriter.string(CONTENT_HASH, Repetition.REQUIRED))
        .addField(Types.required(PrimitiveTypeName.BOOLEAN).named(TRUNCATED))
        .named("embedding");
  }

  /**
   * Appends one row. {@code idLong} is used for INT32/INT64 ids, {@code idString} for STRING ids.
   *
   * @throws ConnectorException when {@code vector.length != dimension}, the id is null or out of
   *     range for its type, or the hash is null; nothing is written then
   */
  public void write(long idLong, String idString, float[] vector, String contentHash) {
    write(idLong, idString, vector, contentHash, false);
  }

  /**
   * Appends one row whose text was {@code truncated} (or not) to the model's maximum length.
   *
   * @throws ConnectorException as {@link #write(long, String, float[], String)} does
   */
  public void write(long idLong, String idString, float[] vector, String contentHash, boolean truncated) {
    RowFileWriter.checkId(idType, idLong, idString, out.file());
    if (vector == null || vector.length != dimension) {
      throw new ConnectorException("cannot write id " + (idType.isNumeric() ? idLong : idString) + " to " + out.file()
          + ": vector has " + (vector == null ? "no" : vector.length) + " elements, the table's dimension is " + dimension);
    }
    if (contentHash == null) {
      throw new ConnectorException("cannot write id " + (idType.isNumeric() ? idLong : idString) + " to " + out.file()
          + ": content hash is null");
    }
    this.idLong = idLong;
    this.idString = idString;
    this.vector = vector;
    this.contentHash = contentHash;
    this.truncated = truncated;
    try {
      out.writeRow();
    } finally {
      this.vector = null;
    }
  }

  /** Rows written so far. */
  public long rowCount() {
    return out.rowCount();
  }

  /** Finishes the file (writes the last row group and the footer). Idempotent. */
  @Override
  public void close() {
    out.close();
  }

  private void encode(RecordConsumer consumer) {
    RowFileWriter.addId(consumer, ID, 0, idType, idLong, idString);
    consumer.startField(EMBEDDING, 1);
    consumer.startGroup();
    consumer.startField("list", 0);
    for (float value : vector) {
      consumer.startGroup();
      consumer.startField("element", 0);
      consumer.addFloat(value);
      consumer.endField("element", 0);
      consumer.endGroup();
    }
    consumer.endField("list", 0);
    consumer.endGroup();
    consumer.endField(EMBEDDING, 1);
    consumer.startField(CONTENT_HASH, 2);
    consumer.addBinary(Binary.fromString(contentHash));
    consumer.endField(CONTENT_HASH, 2);
    consumer.startField(TRUNCATED, 3);
    consumer.addBoolean(truncated);
    consumer.endField(TRUNCATED, 3);
  }
}
