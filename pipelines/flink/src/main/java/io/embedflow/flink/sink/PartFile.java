package io.embedflow.flink.sink;

/**
 * A finished part file in the staging directory, sent to the committer (a Flink POJO).
 * {@code kind} is {@link #DATA} or {@link #REJECTED}.
 */
public final class PartFile {
    public static final String DATA = "data";
    public static final String REJECTED = "rejected";

    public String kind;
    public String path;
    public long rows;
    public long sizeBytes;
    public long truncated;
    public int dimension;

    public PartFile() {}

    public PartFile(String kind, String path, long rows, long sizeBytes, long truncated, int dimension) {
        this.kind = kind;
        this.path = path;
        this.rows = rows;
        this.sizeBytes = sizeBytes;
        this.truncated = truncated;
        this.dimension = dimension;
    }
}
