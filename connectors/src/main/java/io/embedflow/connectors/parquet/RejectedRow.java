package io.embedflow.connectors.parquet;

/**
 * One row of a table's rejected rows, as read by {@link RejectedRowReader}.
 *
 * @param id an {@link Integer}, {@link Long} or {@link String}, or null when unknown
 * @param sourceFile the input file the row came from
 * @param row 0-based row index within {@code sourceFile}
 * @param reason why the row was rejected
 * @param textPrefix the first 200 characters of the text, or null
 */
public record RejectedRow(Object id, String sourceFile, long row, String reason, String textPrefix) {}
