package io.embedflow.flink.incremental;

/**
 * One row of the base version as the incremental diff needs it: its id, the hash of the text its
 * vector was computed from, and where it is (a Flink POJO; the vector is not read).
 */
public final class BaseRow {
    /** The id when the id type is numeric. */
    public long idLong;
    /** The id when the id type is {@code STRING}. */
    public String idString;
    public String contentHash;
    /** Index of the file in the base version's file list. */
    public int fileIndex;
    /** 0-based index of the row in its file. */
    public long rowInFile;
    public boolean truncated;

    public BaseRow() {}

    public BaseRow(long idLong, String idString, String contentHash, int fileIndex, long rowInFile, boolean truncated) {
        this.idLong = idLong;
        this.idString = idString;
        this.contentHash = contentHash;
        this.fileIndex = fileIndex;
        this.rowInFile = rowInFile;
        this.truncated = truncated;
    }
}
