package io.embedflow.djl.retrieval;

/**
 * Where a {@link TopKSearcher}'s time went so far, summed over blocks.
 *
 * @param rows rows added
 * @param blocks blocks scored (empty ones not counted)
 * @param normaliseNanos checking and normalising rows into the block buffer (host)
 * @param productNanos the block's tensor and the query x row matrix product
 * @param selectNanos each query's best rows on the device and their copy to the host; on a GPU,
 *     where kernels run asynchronously, this includes waiting for the product
 * @param mergeNanos merging candidates into the per-query heaps (host)
 * @param fullReads (query, block) pairs whose scores were read in full, because the device's
 *     choice among rows tied for a place in the block's top k could have been arbitrary
 */
public record SearchStats(long rows, long blocks, long normaliseNanos, long productNanos, long selectNanos,
        long mergeNanos, long fullReads) {

    /** Time inside the searcher. */
    public long totalNanos() {
        return normaliseNanos + productNanos + selectNanos + mergeNanos;
    }
}
