package io.embedflow.flink.incremental;

/** A row of the base version that the new version keeps: its place in the base files (a Flink POJO). */
public final class KeptRow {
    public int fileIndex;
    public long rowInFile;
    public boolean truncated;

    public KeptRow() {}

    public KeptRow(int fileIndex, long rowInFile, boolean truncated) {
        this.fileIndex = fileIndex;
        this.rowInFile = rowInFile;
        this.truncated = truncated;
    }
}
