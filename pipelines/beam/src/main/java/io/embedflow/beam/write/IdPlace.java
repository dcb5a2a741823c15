package io.embedflow.beam.write;

import java.io.Serializable;

/** Where an id was seen: its file (index in the plan) and row. Ordered by file, then row. */
record IdPlace(int fileIndex, long rowInFile) implements Serializable, Comparable<IdPlace> {
    @Override
    public int compareTo(IdPlace o) {
        int byFile = Integer.compare(fileIndex, o.fileIndex);
        return byFile != 0 ? byFile : Long.compare(rowInFile, o.rowInFile);
    }
}
