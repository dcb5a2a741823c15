package io.embedflow.beam.embed;

import java.io.Serializable;

/**
 * An input row that was not embedded, with the reason ({@code null text} or {@code empty text}, as the Flink job
 * says it).
 */
public record RejectedText(long idLong, String idString, int fileIndex, long rowInFile, String reason, String text)
        implements Serializable {}
