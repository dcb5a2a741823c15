/**
 * Exact top-k retrieval by cosine similarity for a batch of queries against an embedding table
 * that is streamed in blocks, so that it may be larger than memory.
 *
 * <ul>
 *   <li>{@link io.embedflow.djl.retrieval.TopKSearcher}: holds the normalised queries on the
 *       device; {@code addBlock(ids, vectors, rows)} scores a block of rows against all queries in
 *       one matrix product, picks each query's best on the device and merges them into a bounded
 *       heap per query; {@code results()} lists each query's k best rows as
 *       {@link io.embedflow.djl.retrieval.Hit}s, best first, ties in the order rows were added.</li>
 *   <li>{@link io.embedflow.djl.retrieval.BlockFeeder}: gathers rows that arrive one at a time
 *       (a table scan) into blocks for a searcher.</li>
 *   <li>{@link io.embedflow.djl.retrieval.SearchStats}: where a searcher's time went.</li>
 * </ul>
 *
 * Reading a table is the caller's: djl-ops knows no file formats. {@code embedflow bench retrieval}
 * streams an embedding table's Parquet part files into a searcher and compares it with a
 * per-query loop in plain Java.
 */
package io.embedflow.djl.retrieval;
