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
 * Writes one part file of a table's rejected rows, so that no input row is silently lost:
 *
 * <pre>
 * message rejected {
 *   optional int64 id;                 // or int32, or binary (STRING): the input's id type
 *   required binary source_file (STRING);
 *   required int64 row;                // 0-based row index within source_file
 *   required binary reason (STRING);
 *   optional binary text_prefix (STRING);   // first 200 characters of the text
 * }
 * </pre>
 *
 * The file is complete only after {@link #close}. Not thread-safe.
 */
public final class RejectedRowWriter implements Closeable {
  public static final String ID = "id";
  public static final String SOURCE_FILE = "source_file";
  public static final String ROW = "row";
  public static final String REASON = "reason";
  public static final String TEXT_PREFIX = "text_prefix";
  /** Characters of the text kept in {@code text_prefix}. */
  public static final int TEXT_PREFIX_CHARS = 200;

  private final IdType idType;
  private final RowFileWriter out;

  // the staged row, read by encode()
  private boolean hasId;
  private long idLong;
  private String idString;
  private String sourceFile;
  private long row;
  private String reason;
  private String textPrefix;

  /** Creates {@code file}; fails if it already exists. */
  public RejectedRowWriter(Path file, IdType idType) {
    Objects.requireNonNull(file, "file");
    this.idType = Objects.requireNonNull(idType, "idType");
    this.out = new RowFileWriter(file, schema(idType), Map.of("embedflow.table", "rejected"), this::encode);
  }

  /** The Parquet schema of a rejected-rows file with ids of {@code idType}. */
  public static MessageType schema(IdType idType) {
    return Types.buildMessage()
        .addField(RowFileWriter.idField(ID, idType, Repetition.OPTIONAL))
        .addField(RowFileWriter.string(SOURCE_FILE, Repetition.REQUIRED))
        .addField(Types.required(PrimitiveTypeName.INT64).named(ROW))
        .addField(RowFileWriter.string(REASON, Repetition.REQUIRED))
        .addField(RowFileWriter.string(TEXT_PREFIX, Repetition.OPTIONAL))
        .named("rejected");
  }

  /**
   * Appends one rejected row. {@code idLong} is used for INT32/INT64 ids, {@code idString} for
   * STRING ids (a null {@code idString} is written as a null id); {@code text} may be null and is
   * cut to its first {@value #TEXT_PREFIX_CHARS} characters.
   */
  public void write(long idLong, String idString, String sourceFile, long row, String reason, String text) {
    boolean present = idType.isNumeric() || idString != null;
    if (present) {
      RowFileWriter.checkId(idType, idLong, idString, out.file());
    }
    stage(present, idLong, idString, sourceFile, row, reason, text);
  }

  /** Appends a rejected row whose id is unknown (written as a null id). */
  public void writeWithoutId(String sourceFile, long row, String reason, String text) {
    stage(false, 0, null, sourceFile, row, reason, text);
  }

  /** Rows written so far. */
  public long rowCount() {
    return out.rowCount();
  }

  /** Finishes the file. Idempotent. */
  @Override
  public void close() {
    out.close();
  }

  /** The first {@value #TEXT_PREFIX_CHARS} characters of {@code text}, never splitting a surrogate pair. */
  static String prefix(String text) {
    if (text == null || text.length() <= TEXT_PREFIX_CHARS) {
      return text;
    }
    int end = TEXT_PREFIX_CHARS;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  private void stage(boolean present, long idLong, String idString, String sourceFile, long row, String reason,
      String text) {
    if (sourceFile == null || reason == null) {
      throw new ConnectorException("cannot write rejected row " + row + " to " + out.file()
          + ": source file and reason are required");
    }
    this.hasId = present;
    this.idLong = idLong;
    this.idString = idString;
    this.sourceFile = sourceFile;
    this.row = row;
    this.reason = reason;
    this.textPrefix = prefix(text);
    out.writeRow();
  }

  private void encode(RecordConsumer consumer) {
    if (hasId) {
      RowFileWriter.addId(consumer, ID, 0, idType, idLong, idString);
    }
    RowFileWriter.addString(consumer, SOURCE_FILE, 1, sourceFile);
    RowFileWriter.addLong(consumer, ROW, 2, row);
    RowFileWriter.addString(consumer, REASON, 3, reason);
    if (textPrefix != null) {
      RowFileWriter.addString(consumer, TEXT_PREFIX, 4, textPrefix);
    }
  }
}
