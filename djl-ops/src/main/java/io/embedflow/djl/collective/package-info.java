/**
 * Synchronous data-parallel gradient averaging for a gang: N worker processes train one model, each
 * computes gradients on its shard of the global batch, the gradients are averaged with a ring
 * all-reduce over TCP, and every member applies the same update. Pure Java on float buffers; the
 * training loop hands in buckets of gradients (a member with several devices sums or averages its
 * devices' gradients first) and reads the mean back in place.
 *
 * <ul>
 *   <li>{@link io.embedflow.djl.collective.GangMember}: a member's identity (rank, world size,
 *       coordinator {@code host:port}, gang id), from the {@code EMBEDFLOW_GANG_*} environment
 *       variables a launcher sets.</li>
 *   <li>Rendezvous: rank 0 runs a {@link io.embedflow.djl.collective.GangCoordinator} at the
 *       coordinator address; every member announces its rank, gang id, world size and the address
 *       it listens on for ring data; once all have joined, each learns every address. A member of
 *       another gang, a taken rank or another world size is refused with the reason; a rank that
 *       does not join within the join timeout fails everyone's join, naming it. Each member then
 *       connects to rank {@code rank + 1 mod N} and accepts rank {@code rank - 1 mod N}
 *       ({@code TCP_NODELAY}; socket buffers as configured or auto-tuned).</li>
 *   <li>{@link io.embedflow.djl.collective.Collective}, implemented by
 *       {@link io.embedflow.djl.collective.RingAllReduce}: {@code allReduceMean(float[])},
 *       {@code submitMean(float[])} returning a {@link io.embedflow.djl.collective.PendingReduce}
 *       (buckets are reduced in submission order on a communication thread while the caller goes
 *       on, e.g. with the backward pass), {@code awaitAll()}, {@code barrier()}; also for
 *       {@link java.nio.FloatBuffer}s, heap or direct. A gang of one is a no-op.</li>
 *   <li>The algorithm: reduce-scatter then all-gather, N-1 steps each, over segments of the
 *       buffer; a float is forwarded as soon as it has been received and reduced, in chunks of
 *       reused direct staging buffers; sending and receiving run on two threads, so large buffers
 *       cannot deadlock the ring. Every member ends with bit-identical means. Each operation's bytes
 *       carry a header with its number and size, so members that submit different bucket sizes
 *       fail clearly instead of mixing data.</li>
 *   <li>Failure: every wait is bounded ({@link io.embedflow.djl.collective.CollectiveOptions}: join
 *       timeout, step timeout). A neighbour that closes or resets its link, or sends (or takes)
 *       nothing within the step timeout, fails the operation with a
 *       {@link io.embedflow.djl.collective.GangException} naming its rank and address and the
 *       bucket; the member then closes its links, so the failure travels around the ring and every
 *       member fails instead of hanging. A failed collective is poisoned: later calls fail at once
 *       with the first failure as their cause, and the gang restarts together.</li>
 * </ul>
 *
 * {@code embedflow bench allreduce} measures the all-reduce among local worker processes against a
 * loopback TCP stream of the same bytes.
 */
package io.embedflow.djl.collective;
