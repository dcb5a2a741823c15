package io.embedflow.flink.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.clusterframework.types.ResourceProfile;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class GpuResourcesTest {
    @Test
    void theGpuGroupRequestsTheSharePerSubtask() {
        SlotSharingGroup exclusive = GpuResources.gpuGroup(GpuPolicy.exclusive(), SlotResources.GPU_EMBED);
        SlotSharingGroup shared = GpuResources.gpuGroup(GpuPolicy.shared(4), SlotResources.GPU_EMBED);

        assertThat(exclusive.getName()).isEqualTo("embed");
        assertThat(exclusive.getExternalResources()).containsExactly(Map.entry("gpu", 1.0));
        assertThat(shared.getExternalResources()).containsExactly(Map.entry("gpu", 0.25));
        assertThat(exclusive.getCpuCores()).contains(2.0);
        assertThat(exclusive.getTaskHeapMemory()).contains(MemorySize.ofMebiBytes(1024));
        assertThat(exclusive.getTaskOffHeapMemory()).contains(MemorySize.ofMebiBytes(2048));
        assertThat(exclusive.getManagedMemory()).contains(MemorySize.ZERO);
    }

    @Test
    void theJobGraphHasAGpuGroupForTheOperatorAndItsChainAndAGpuFreeDefaultGroup() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SingleOutputStreamOperator<Long> embed = env.fromSequence(0, 9).name("read").map(x -> x).name("embed");
        GpuResources.apply(embed, GpuPolicy.exclusive());
        embed.map(x -> x).name("write").sinkTo(new DiscardingSink<>()).name("sink");

        StreamGraph graph = env.getStreamGraph();
        Map<String, String> groups = graph.getStreamNodes().stream()
                .collect(Collectors.toMap(StreamNode::getOperatorName, StreamNode::getSlotSharingGroup, (a, b) -> a));
        assertThat(groups).containsEntry("embed", "embed").containsEntry("write", "embed");
        assertThat(groups.entrySet().stream().filter(e -> e.getKey().contains("read")))
                .allMatch(e -> e.getValue().equals("default"));
        ResourceProfile gpuSlot = graph.getSlotSharingGroupResource("embed").orElseThrow();
        ResourceProfile cpuSlot = graph.getSlotSharingGroupResource("default").orElseThrow();
        assertThat(gpuSlot.getExtendedResources()).containsKey("gpu");
        assertThat(gpuSlot.getExtendedResources().get("gpu").getValue()).isEqualByComparingTo("1");
        assertThat(cpuSlot.getExtendedResources()).isEmpty();
        assertThat(cpuSlot.getManagedMemory()).isEqualTo(MemorySize.ofMebiBytes(256));
    }

    @Test
    void slotResourcesAreValidated() {
        assertThatThrownBy(() -> new SlotResources(0, MemorySize.ofMebiBytes(1), MemorySize.ZERO, MemorySize.ZERO))
                .hasMessageContaining("CPU cores");
        assertThatThrownBy(() -> new SlotResources(1, MemorySize.ZERO, MemorySize.ZERO, MemorySize.ZERO))
                .hasMessageContaining("task heap");
        assertThatThrownBy(() -> new SlotResources(1, MemorySize.ofMebiBytes(1), null, MemorySize.ZERO))
                .hasMessageContaining("off-heap");
        assertThatThrownBy(() -> GpuPolicy.shared(0)).hasMessageContaining("at least 1");
    }
}
