package io.embedflow.connectors.parquet;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.shard.IdType;
import java.io.Closeable;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * Writes one part file of a retrieval run's predictions, one row per (query, hit):
 *
 * <pre>
 * message predictions {
 *   required int64 query_id;           // or int32, or binary (STRING): the queries' id type
 *   required int32 rank;               // 1 for the best hit
 *   required int64 id;                 // or int32, or binary (STRING): the corpus table's id type
 *   required float score;              // cosine similarity
 * }
 * </pre>
 *
 * The file is complete only after {@link #close}. Not thread-safe.
 */
public final class PredictionWriter implements Closeable {
  public static final String QUERY_ID = "query_id";
  public static final String RANK = "rank";
  public static final String ID = "id";
  public static final String SCORE = "score";

  private final IdType queryIdType;
  private final IdType corpusIdType;
  private final RowFileWriter out;

  // the staged row, read by encode()
  private long queryLong;
  private String queryString;
  private int rank;
  private long idLong;
  private String idString;
  private float score;

  /** Creates {@code file}; fails if it already exists. */
  public PredictionWriter(Path file, IdType queryIdType, IdType corpusIdType) {
    Objects.requireNonNull(file, "file");
    this.queryIdType = Objects.requireNonNull(queryIdType, "queryIdType");
    this.corpusIdType = Objects.requireNonNull(corpusIdType, "corpusIdType");
    this.out = new RowFileWriter(file, schema(queryIdType, corpusIdType), Map.of("embedflow.table", "predictions"),
        this::encode);
  }

  /** The Parquet schema of a predictions file. */
  public static MessageType schema(IdType queryIdType, IdType corpusIdType) {
    return Types.buildMessage()
        .addField(RowFileWriter.idField(QUERY_ID, queryIdType, Repetition.REQUIRED))
        .addField(Types.required(PrimitiveTypeName.INT32).named(RANK))
        .addField(RowFileWriter.idField(ID, corpusIdType, Repetition.REQUIRED))
        .addField(Types.required(PrimitiveTypeName.FLOAT).named(SCORE))
        .named("predictions");
  }

  /**
   * Appends one hit of a query. Numeric ids go in {@code *Long}, string ids in {@code *String}.
   *
   * @throws ConnectorException when an id is null or out of range for its type, or the rank is below 1
   */
  public void write(long queryLong, String queryString, int rank, long idLong, String idString, float score) {
    RowFileWriter.checkId(queryIdType, queryLong, queryString, out.file());
    RowFileWriter.checkId(corpusIdType, idLong, idString, out.file());
    if (rank < 1) {
      throw new ConnectorException("cannot write rank " + rank + " to " + out.file() + ": ranks start at 1");
    }
    this.queryLong = queryLong;
    this.queryString = queryString;
    this.rank = rank;
    this.idLong = idLong;
    this.idString = idString;
    this.score = score;
    out.writeRow();
  }

  /** Rows written so far. */
  public long rowCount() {
    return out.rowCount();
  }

  @Override
  public void close() {
    out.close();
  }

  private void encode(RecordConsumer consumer) {
    RowFileWriter.addId(consumer, QUERY_ID, 0, queryIdType, queryLong, queryString);
    consumer.startField(RANK, 1);
    consumer.addInteger(rank);
    consumer.endField(RANK, 1);
    RowFileWriter.addId(consumer, ID, 2, corpusIdType, idLong, idString);
    consumer.startField(SCORE, 3);
    consumer.addFloat(score);
    consumer.endField(SCORE, 3);
  }
}
