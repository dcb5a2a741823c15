package io.embedflow.flink.embed;

/** A row's vector on its way to the table writer (a Flink POJO: public fields, no-arg constructor). */
public final class EmbeddedRow {
    public long idLong;
    public String idString;
    public float[] vector;
    public String contentHash;
    public boolean truncated;

    public EmbeddedRow() {}

    public EmbeddedRow(long idLong, String idString, float[] vector, String contentHash, boolean truncated) {
        this.idLong = idLong;
        this.idString = idString;
        this.vector = vector;
        this.contentHash = contentHash;
        this.truncated = truncated;
    }
}
