package io.embedflow.flink.sink;

/**
 * A finished part file, staged in its table location, sent to the committer (a Flink POJO).
 * {@code kind} is {@link #DATA} or {@link #REJECTED}, with {@code path} relative to the table as
 * the manifest lists it; or {@link #CARRIED}, a file of an incremental refresh's base version kept as
 * it is, with {@code path} relative to the versioned table's location.
 */
public final class PartFile {
    public static final String DATA = "data";
    public static final String REJECTED = "rejected";
    public static final String CARRIED = "carried";

    public String kind;
    public String path;
    public long rows;
    public long sizeBytes;
    public long truncated;
    public int dimension;
    /** Input rows the part accounts for: its rows, except for predictions (one query has several rows). */
    public long inputRows;

    public PartFile() {}

    public PartFile(String kind, String path, long rows, long sizeBytes, long truncated, int dimension) {
        this(kind, path, rows, sizeBytes, truncated, dimension, rows);
    }

    public PartFile(String kind, String path, long rows, long sizeBytes, long truncated, int dimension, long inputRows) {
        this.kind = kind;
        this.path = path;
        this.rows = rows;
        this.sizeBytes = sizeBytes;
        this.truncated = truncated;
        this.dimension = dimension;
        this.inputRows = inputRows;
    }
}
