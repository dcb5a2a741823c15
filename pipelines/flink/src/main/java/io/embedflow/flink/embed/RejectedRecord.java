package io.embedflow.flink.embed;

/** An input row that was not embedded, with the reason (a Flink POJO). */
public final class RejectedRecord {
    public long idLong;
    public String idString;
    public int fileIndex;
    public long rowInFile;
    public String reason;
    public String text;

    public RejectedRecord() {}

    public RejectedRecord(long idLong, String idString, int fileIndex, long rowInFile, String reason, String text) {
        this.idLong = idLong;
        this.idString = idString;
        this.fileIndex = fileIndex;
        this.rowInFile = rowInFile;
        this.reason = reason;
        this.text = text;
    }
}
