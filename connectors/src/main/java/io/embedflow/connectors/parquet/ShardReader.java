package io.embedflow.connectors.parquet;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.internal.LocalParquet;
import io.embedflow.connectors.shard.IdType;
import io.embedflow.connectors.shard.InputColumns;
import io.embedflow.connectors.shard.Shard;
import io.embedflow.connectors.store.ObjectStoreException;
import io.embedflow.connectors.store.ObjectStores;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads the rows of one {@link Shard} (one row group), projecting only the id and text columns.
 * Rows come back in file order, with {@code rowInFile = shard.firstRow() + i}.
 *
 * <p>Opening a reader loads the shard's projected column chunks into memory, so a reader holds
 * at most one row group's id and text bytes. Not thread-safe; the caller closes it.
 *
 * <pre>{@code
 * try (ShardReader reader = new ShardReader(shard, plan.idColumn(), plan.textColumn(), plan.idType())) {
 *   while (reader.hasNext()) {
 *     TextRow row = reader.next();
 *   }
 * }
 * }</pre>
 *
 * @throws ConnectorException (from every method) when the file cannot be read, no longer matches the
 *     plan, or holds a null id; messages name the file and, for row errors, the row
 */
public final class ShardReader implements Iterator<TextRow>, Closeable {
  private final Shard shard;
  private final IdType idType;
  private final String idColumn;
  private final ParquetFileReader fileReader;
  private final TextRowMaterializer row;
  private final RecordReader<TextRowMaterializer> records;
  private long nextIndex;

  public ShardReader(Shard shard, String idColumn, String textColumn, IdType idType) {
    this(shard, idColumn, textColumn, idType, 0);
  }

  /**
   * Opens a reader that skips the first {@code rowsToSkip} rows of the shard, e.g. to resume after
   * a checkpoint. Skipped rows are decoded but their strings are not.
   */
  public static ShardReader resume(Shard shard, String idColumn, String textColumn, IdType idType, long rowsToSkip) {
    return new ShardReader(shard, idColumn, textColumn, idType, rowsToSkip);
  }

  /**
   * Opens a reader over {@code input}, the shard's file as the caller reaches it (an
   * {@link io.embedflow.connectors.io.ObjectInputFile}, a
   * {@link io.embedflow.connectors.io.PrefetchedInputFile}), skipping the first {@code rowsToSkip} rows.
   */
  public static ShardReader open(Shard shard, InputFile input, String idColumn, String textColumn, IdType idType,
      long rowsToSkip) {
    return new ShardReader(shard, Objects.requireNonNull(input, "input"), idColumn, textColumn, idType, rowsToSkip);
  }

  private ShardReader(Shard shard, String idColumn, String textColumn, IdType idType, long rowsToSkip) {
    this(shard, null, idColumn, textColumn, idType, rowsToSkip);
  }

  private ShardReader(Shard shard, InputFile input, String idColumn, String textColumn, IdType idType,
      long rowsToSkip) {
    this.shard = Objects.requireNonNull(shard, "shard");
    this.idColumn = Objects.requireNonNull(idColumn, "idColumn");
    this.idType = Objects.requireNonNull(idType, "idType");
    Objects.requireNonNull(textColumn, "textColumn");
    if (rowsToSkip < 0 || rowsToSkip > shard.rowCount()) {
      throw new ConnectorException("cannot skip " + rowsToSkip + " rows of row group " + shard.rowGroup() + " of "
          + shard.file() + ", which has " + shard.rowCount() + " rows");
    }
    this.fileReader = input != null ? openInput(input, shard.file()) : openLocal(shard.file());
    try {
      MessageType fileSchema = fileReader.getFooter().getFileMetaData().getSchema();
      checkUnchanged(fileSchema, idColumn, textColumn);
      MessageType projection = project(fileSchema, idColumn, textColumn);
      this.row = new TextRowMaterializer(idType, projection.getFieldIndex(idColumn), projection.getFieldIndex(textColumn));
      fileReader.setRequestedSchema(projection);
      PageReadStore pages = fileReader.readRowGroup(shard.rowGroup());
      this.records = new ColumnIOFactory(fileReader.getFileMetaData().getCreatedBy())
          .getColumnIO(projection, fileSchema, true)
          .getRecordReader(pages, row, FilterCompat.NOOP);
      skip(rowsToSkip);
    } catch (IOException | RuntimeException e) {
      closeQuietly(e);
      if (e instanceof ConnectorException) {
        throw (ConnectorException) e;
      }
      throw new ConnectorException("cannot read row group " + shard.rowGroup() + " of " + shard.file() + ": "
          + LocalParquet.describe(e), e);
    }
  }

  private static ParquetFileReader openLocal(String file) {
    if (ObjectStores.isS3(file)) {
      throw new ConnectorException("shard of " + file + " needs an input file to read it through");
    }
    return LocalParquet.open(Path.of(file));
  }

  private static ParquetFileReader openInput(InputFile input, String file) {
    try {
      return ParquetFileReader.open(input, LocalParquet.readOptions());
    } catch (ObjectStoreException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new ConnectorException("cannot read Parquet file " + file + ": " + LocalParquet.describe(e), e);
    }
  }

  @Override
  public boolean hasNext() {
    return nextIndex < shard.rowCount();
  }

  @Override
  public TextRow next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more rows in row group " + shard.rowGroup() + " of " + shard.file());
    }
    long rowInFile = shard.firstRow() + nextIndex;
    readRecord(rowInFile);
    if (!row.idPresent) {
      throw new ConnectorException("null id in column '" + idColumn + "' at row " + rowInFile + " of " + shard.file());
    }
    nextIndex++;
    return new TextRow(row.idLong, row.idString, row.text, shard.fileIndex(), rowInFile);
  }

  /** The shard this reader reads. */
  public Shard shard() {
    return shard;
  }

  /** Rows of the shard consumed so far, skipped rows included; a checkpoint stores this to resume. */
  public long position() {
    return nextIndex;
  }

  @Override
  public void close() {
    try {
      fileReader.close();
    } catch (IOException e) {
      throw new ConnectorException("cannot close " + shard.file() + ": " + LocalParquet.describe(e), e);
    }
  }

  private void skip(long rows) {
    row.skipping = true;
    for (long i = 0; i < rows; i++) {
      readRecord(shard.firstRow() + i);
    }
    row.skipping = false;
    nextIndex = rows;
  }

  private void readRecord(long rowInFile) {
    try {
      records.read();
    } catch (RuntimeException e) {
      throw new ConnectorException("cannot read row " + rowInFile + " of " + shard.file() + ": "
          + LocalParquet.describe(e), e);
    }
  }

  private void checkUnchanged(MessageType fileSchema, String idColumn, String textColumn) {
    IdType found = InputColumns.check(fileSchema, idColumn, textColumn, shard.file());
    if (found != idType) {
      throw new ConnectorException("id column '" + idColumn + "' in " + shard.file() + " is " + found
          + " but the plan says " + idType + "; the file changed after planning");
    }
    List<BlockMetaData> groups = fileReader.getRowGroups();
    if (shard.rowGroup() >= groups.size() || groups.get(shard.rowGroup()).getRowCount() != shard.rowCount()) {
      throw new ConnectorException("row group " + shard.rowGroup() + " of " + shard.file() + " no longer has "
          + shard.rowCount() + " rows; the file changed after planning");
    }
  }

  // Keeps the file's field order: the column IO is built by walking the requested schema against the file's.
  private static MessageType project(MessageType fileSchema, String idColumn, String textColumn) {
    List<Type> fields = new ArrayList<>(2);
    for (Type field : fileSchema.getFields()) {
      if (field.getName().equals(idColumn) || field.getName().equals(textColumn)) {
        fields.add(field);
      }
    }
    return new MessageType(fileSchema.getName(), fields);
  }

  private void closeQuietly(Exception failure) {
    try {
      fileReader.close();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }
}
