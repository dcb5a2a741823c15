package io.embedflow.connectors.parquet;

import java.io.Serializable;
import java.util.Objects;

/**
 * One row as read from a shard. A plain mutable class with public fields and a no-arg
 * constructor, so that engines can treat it as a POJO.
 *
 * <p>Exactly one of {@link #idLong} (for {@code INT32}/{@code INT64} ids) and {@link #idString}
 * (for {@code STRING} ids) carries the id; the other stays {@code 0}/{@code null}.
 */
public final class TextRow implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The id when the id type is {@code INT32} or {@code INT64}. */
  public long idLong;
  /** The id when the id type is {@code STRING}. */
  public String idString;
  /** The text; may be null (a null text is data, which the job rejects later). */
  public String text;
  /** Index of the source file in the plan's file list. */
  public int fileIndex;
  /** 0-based index of the row within its file. */
  public long rowInFile;
  /**
   * Bytes the source fetched for this row's shard, set on the shard's first row only (else 0), so
   * that a later stage can count a run's input bytes; not part of the row's identity.
   */
  public long readBytes;
  /** Time the source waited for this row's shard bytes, on the shard's first row only; not part of the identity. */
  public long readWaitNanos;

  public TextRow() {}

  public TextRow(long idLong, String idString, String text, int fileIndex, long rowInFile) {
    this.idLong = idLong;
    this.idString = idString;
    this.text = text;
    this.fileIndex = fileIndex;
    this.rowInFile = rowInFile;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TextRow)) {
      return false;
    }
    TextRow other = (TextRow) o;
    return idLong == other.idLong
        && fileIndex == other.fileIndex
        && rowInFile == other.rowInFile
        && Objects.equals(idString, other.idString)
        && Objects.equals(text, other.text);
  }

  @Override
  public int hashCode() {
    return Objects.hash(idLong, idString, text, fileIndex, rowInFile);
  }

  @Override
  public String toString() {
    return "TextRow{idLong=" + idLong + ", idString=" + idString + ", text=" + text + ", fileIndex=" + fileIndex
        + ", rowInFile=" + rowInFile + "}";
  }
}
