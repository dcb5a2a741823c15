package io.embedflow.beam.write;

import java.util.List;

/** Names an input file by index for rejected rows and errors; rows built outside a dataset plan have no list. */
final class SourceFiles {
    private SourceFiles() {}

    static String name(List<String> files, int fileIndex) {
        return fileIndex >= 0 && fileIndex < files.size() ? files.get(fileIndex) : "file #" + fileIndex;
    }
}
