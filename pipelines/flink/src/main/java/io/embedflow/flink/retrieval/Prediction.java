package io.embedflow.flink.retrieval;

/** One hit of one query (a Flink POJO): numeric ids in the {@code *Long} fields, string ids in {@code *String}. */
public final class Prediction {
    public long queryLong;
    public String queryString;
    public int rank;
    public long idLong;
    public String idString;
    public float score;

    public Prediction() {}

    public Prediction(long queryLong, String queryString, int rank, long idLong, String idString, float score) {
        this.queryLong = queryLong;
        this.queryString = queryString;
        this.rank = rank;
        this.idLong = idLong;
        this.idString = idString;
        this.score = score;
    }
}
