package io.embedflow.flink.gpu;

import java.io.Serializable;
import org.apache.flink.configuration.MemorySize;

/**
 * The CPU and memory one slot of a slot sharing group asks Flink for (GPUs are added by
 * {@link GpuResources}). Flink requires CPU cores and task heap to be positive once a group
 * names any resource.
 *
 * @param cpuCores CPU cores, more than 0
 * @param taskHeap task heap, more than 0
 * @param taskOffHeap task off-heap: direct and native memory of the slot's operators (libtorch's
 *     host-side allocations count here), at least 0
 * @param managed Flink managed memory (batch sorting, RocksDB), at least 0
 */
public record SlotResources(double cpuCores, MemorySize taskHeap, MemorySize taskOffHeap, MemorySize managed)
        implements Serializable {

    /**
     * A GPU embedding slot: tokenization and batching on 2 cores, 1 GiB of heap for windows of
     * tokenized rows, 2 GiB off-heap for libtorch's host memory (CUDA context, pinned staging
     * buffers, the weights while they load); no managed memory (the embedder keeps no state).
     */
    public static final SlotResources GPU_EMBED = new SlotResources(2.0, MemorySize.ofMebiBytes(1024),
            MemorySize.ofMebiBytes(2048), MemorySize.ZERO);

    /**
     * A slot of the job's CPU stages (reading shards, the duplicate-id check, committing): 1 core,
     * 512 MiB of heap and 256 MiB of managed memory for the batch sort before the keyed
     * duplicate check.
     */
    public static final SlotResources CPU_STAGES = new SlotResources(1.0, MemorySize.ofMebiBytes(512), MemorySize.ZERO,
            MemorySize.ofMebiBytes(256));

    public SlotResources {
        if (!(cpuCores > 0) || Double.isInfinite(cpuCores)) {
            throw new IllegalArgumentException("CPU cores must be positive, was " + cpuCores);
        }
        if (taskHeap == null || taskHeap.getBytes() == 0) {
            throw new IllegalArgumentException("task heap must be positive, was " + taskHeap);
        }
        if (taskOffHeap == null || managed == null) {
            throw new IllegalArgumentException("task off-heap and managed memory must be given (0 for none)");
        }
    }
}
