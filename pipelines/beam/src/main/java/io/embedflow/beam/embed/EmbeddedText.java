package io.embedflow.beam.embed;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * A row's vector on its way to the table writer: the columns the embedding table stores, and where the row came
 * from (so that a repeated id can be named by file and row).
 *
 * @param idLong the id when the input's id type is numeric
 * @param idString the id when the input's id type is {@code STRING}
 * @param fileIndex index of the row's file in the dataset plan
 * @param rowInFile 0-based row within that file
 * @param vector the pooled (and, if the model says so, normalised) embedding
 * @param contentHash SHA-256 of the text ({@code ContentHash})
 * @param truncated whether the text had more tokens than the model's maximum length
 */
public record EmbeddedText(long idLong, String idString, int fileIndex, long rowInFile, float[] vector,
        String contentHash, boolean truncated) implements Serializable {

    @Override
    public boolean equals(Object o) {
        return o instanceof EmbeddedText other && idLong == other.idLong && fileIndex == other.fileIndex
                && rowInFile == other.rowInFile && truncated == other.truncated
                && Objects.equals(idString, other.idString) && Objects.equals(contentHash, other.contentHash)
                && Arrays.equals(vector, other.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(idLong, idString, fileIndex, rowInFile, contentHash, truncated) * 31 + Arrays.hashCode(vector);
    }

    @Override
    public String toString() {
        return "EmbeddedText{id=" + (idString != null ? idString : Long.toString(idLong)) + ", file=" + fileIndex
                + ", row=" + rowInFile + ", dimension=" + vector.length + ", truncated=" + truncated + "}";
    }
}
