package io.embedflow.flink.gpu;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;

/**
 * What the binding needs to know about a subtask, read once from its {@link RuntimeContext}.
 *
 * @param taskManager the task manager's id: the scope of local indexes
 * @param slot the slot's allocation id: subtasks in one slot share its GPU
 * @param task the subtask's name with its index, for messages
 * @param gpus the GPU indexes the task manager's driver reported
 * @param slots the task manager's configured number of slots
 */
record SubtaskView(String taskManager, String slot, String task, List<Integer> gpus, int slots) {
    /** The metric variable that holds the task manager's id. */
    static final String TM_ID_VARIABLE = "<tm_id>";

    SubtaskView {
        gpus = List.copyOf(gpus);
    }

    static SubtaskView of(RuntimeContext ctx) {
        Map<String, String> variables = ctx.getMetricGroup().getAllVariables();
        String taskManager = variables.getOrDefault(TM_ID_VARIABLE, "this-process");
        String slot = ctx.getTaskInfo().getAllocationIDAsString();
        if (slot == null || slot.isBlank()) {
            // no slot identity: each subtask is its own slot, which still keeps GPUs apart
            slot = "subtask-" + UUID.randomUUID();
        }
        int slots = ctx instanceof StreamingRuntimeContext streaming
                ? streaming.getTaskManagerRuntimeInfo().getConfiguration().get(TaskManagerOptions.NUM_TASK_SLOTS)
                : TaskManagerOptions.NUM_TASK_SLOTS.defaultValue();
        return new SubtaskView(taskManager, slot, ctx.getTaskInfo().getTaskNameWithSubtasks(),
                GpuBinding.indexesOf(ctx.getExternalResourceInfos(GpuBinding.RESOURCE)), slots);
    }
}
