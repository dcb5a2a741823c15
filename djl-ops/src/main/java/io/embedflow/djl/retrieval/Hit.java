package io.embedflow.djl.retrieval;

/**
 * One row of a query's top k.
 *
 * @param id the row's id as it was added ({@link Long}, {@link Integer}, {@link String}, …)
 * @param score the cosine similarity of the query and the row, in float precision; 0 for a zero row or query
 */
public record Hit(Object id, float score) {}
