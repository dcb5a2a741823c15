package io.embedflow.flink.gpu;

import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Asks Flink for GPU slots for a GPU operator, so that the scheduler, not luck, keeps each
 * task manager's GPU subtasks within its GPUs.
 *
 * <p>{@link #apply} puts the operator into the slot sharing group {@value #GPU_GROUP}, whose slots
 * request {@link GpuPolicy#gpusPerSubtask()} of the {@code gpu} external resource plus
 * {@link SlotResources#GPU_EMBED}; operators downstream of it that name no group of their own
 * inherit the group (in the refresh job: the table and rejected-row writers, chained to it). It
 * also gives the job's {@value #DEFAULT_GROUP} group an explicit profile without GPUs: Flink
 * sizes an unspecified slot as the task manager's total divided by
 * {@code taskmanager.numberOfTaskSlots}, GPUs included, so CPU-only stages would otherwise take
 * GPU shares away from the GPU slots and a task manager could not fit its GPU subtasks.
 *
 * <p>Use it only when the job runs on GPUs: a slot that requests a {@code gpu} resource can only
 * go to a task manager that offers one ({@code external-resource.gpu.amount}). Flink 2.x always
 * honours such profiles (fine-grained resource management has no switch any more); batch jobs
 * need all exchanges blocking, which is the default {@code execution.batch-shuffle-mode}.
 */
public final class GpuResources {
    /** The slot sharing group of GPU operators. */
    public static final String GPU_GROUP = "embed";
    /** Flink's name for the group of operators that name none. */
    public static final String DEFAULT_GROUP = "default";

    private GpuResources() {}

    /** {@link #apply(SingleOutputStreamOperator, GpuPolicy, SlotResources, SlotResources)} with the default slot sizes. */
    public static void apply(SingleOutputStreamOperator<?> gpuOperator, GpuPolicy policy) {
        apply(gpuOperator, policy, SlotResources.GPU_EMBED, SlotResources.CPU_STAGES);
    }

    /**
     * @param gpuOperator the operator whose subtasks each bind one GPU
     * @param gpuSlot CPU and memory of each GPU slot
     * @param cpuSlot CPU and memory of each slot of the job's default group
     */
    public static void apply(SingleOutputStreamOperator<?> gpuOperator, GpuPolicy policy, SlotResources gpuSlot,
            SlotResources cpuSlot) {
        gpuOperator.slotSharingGroup(gpuGroup(policy, gpuSlot));
        gpuOperator.getExecutionEnvironment().registerSlotSharingGroup(cpuGroup(cpuSlot));
    }

    /** The GPU operator's group: {@code gpuSlot} plus the policy's GPU share. */
    public static SlotSharingGroup gpuGroup(GpuPolicy policy, SlotResources gpuSlot) {
        return withResources(SlotSharingGroup.newBuilder(GPU_GROUP), gpuSlot)
                .setExternalResource(GpuBinding.RESOURCE, policy.gpusPerSubtask())
                .build();
    }

    /** The default group, sized explicitly and without GPUs. */
    public static SlotSharingGroup cpuGroup(SlotResources cpuSlot) {
        return withResources(SlotSharingGroup.newBuilder(DEFAULT_GROUP), cpuSlot).build();
    }

    private static SlotSharingGroup.Builder withResources(SlotSharingGroup.Builder builder, SlotResources r) {
        return builder.setCpuCores(r.cpuCores())
                .setTaskHeapMemory(r.taskHeap())
                .setTaskOffHeapMemory(r.taskOffHeap())
                .setManagedMemory(r.managed());
    }
}
