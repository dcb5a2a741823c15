package io.embedflow.flink.sink;

/** Where an id was seen: the key of the duplicate check (a Flink POJO). */
public final class IdRef {
    public String id;
    public int fileIndex;
    public long rowInFile;

    public IdRef() {}

    public IdRef(String id, int fileIndex, long rowInFile) {
        this.id = id;
        this.fileIndex = fileIndex;
        this.rowInFile = rowInFile;
    }
}
