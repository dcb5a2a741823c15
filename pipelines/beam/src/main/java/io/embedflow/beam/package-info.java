/**
 * The embedding refresh as Apache Beam transforms: {@link io.embedflow.beam.read.ReadShards} reads a Parquet dataset
 * by shard, {@link io.embedflow.beam.embed.EmbedTexts} embeds rows with the same model loading and token-budget
 * batching as the Flink job, and {@link io.embedflow.beam.write.WriteEmbeddingTable} publishes one embedding table
 * with its manifest. {@link io.embedflow.beam.refresh.BeamRefreshPipeline} joins them.
 */
package io.embedflow.beam;
