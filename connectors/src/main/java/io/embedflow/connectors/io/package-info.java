/**
 * Byte-range inputs for Parquet readers: files in an object store read with ETag-pinned ranged
 * reads, and files whose needed ranges were fetched ahead into memory. Used by the shard planner
 * (footers) and by readers of shards on S3.
 */
package io.embedflow.connectors.io;
