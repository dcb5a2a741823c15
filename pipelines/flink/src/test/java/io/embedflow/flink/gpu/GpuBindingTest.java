package io.embedflow.flink.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.flink.gpu.driver.GpuInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GpuBindingTest {
    private final LocalIndexRegistry registry = new LocalIndexRegistry();

    private static DeviceRequest gpu(int index) {
        return new DeviceRequest(DeviceRequest.Kind.GPU, index);
    }

    /** A subtask in slot {@code slot} of task manager {@code tm}, which has {@code gpus} and {@code slots} slots. */
    private static Supplier<SubtaskView> subtask(String tm, String slot, List<Integer> gpus, int slots) {
        return () -> new SubtaskView(tm, slot, "embed (" + slot + ")", gpus, slots);
    }

    private DeviceLease open(String tm, String slot, List<Integer> gpus, int slots, GpuPolicy policy) {
        return GpuBinding.forSubtask(subtask(tm, slot, gpus, slots), "gpu", policy, registry);
    }

    @ParameterizedTest(name = "{0} GPUs, {1} slots")
    @CsvSource({"2,1", "2,2", "2,3", "2,4", "4,1", "4,2", "4,3", "4,4"})
    void eachSubtaskOfATaskManagerGetsItsOwnGpu(int gpuCount, int slots) {
        List<Integer> gpus = IntStream.range(0, gpuCount).boxed().toList();
        List<DeviceRequest> bound = new ArrayList<>();
        List<Integer> refused = new ArrayList<>();
        for (int s = 0; s < slots; s++) {
            try {
                bound.add(open("tm-1", "slot-" + s, gpus, slots, GpuPolicy.exclusive()).device());
            } catch (GpuBindingException e) {
                assertThat(e).hasMessageContaining("embed (slot-" + s + ")").hasMessageContaining(slots + " slot(s)");
                refused.add(s);
            }
        }

        int served = Math.min(slots, gpuCount);
        assertThat(bound).as("subtask i gets GPU i").containsExactlyElementsOf(
                IntStream.range(0, served).mapToObj(GpuBindingTest::gpu).toList());
        assertThat(new HashSet<>(bound)).as("no two share").hasSameSizeAs(bound);
        assertThat(refused).as("subtasks beyond the GPUs fail rather than share")
                .containsExactlyElementsOf(IntStream.range(served, slots).boxed().toList());
        assertThat(registry.held("tm-1")).as("a refused subtask holds no index").isEqualTo(served);
    }

    @Test
    void theBindingIsAPureFunctionOfTheLocalIndex() {
        assertThat(GpuBinding.bind(List.of(3, 1, 0), 4, 0, GpuPolicy.exclusive())).isEqualTo(gpu(0));
        assertThat(GpuBinding.bind(List.of(3, 1, 0), 4, 1, GpuPolicy.exclusive())).isEqualTo(gpu(1));
        assertThat(GpuBinding.bind(List.of(3, 1, 0), 4, 2, GpuPolicy.exclusive())).as("ascending, gaps kept").isEqualTo(gpu(3));
        assertThatThrownBy(() -> GpuBinding.bind(List.of(3, 1, 0), 4, 3, GpuPolicy.exclusive()))
                .isInstanceOf(GpuBindingException.class)
                .hasMessageContaining("3 GPU(s) [0, 1, 3] and 4 slot(s)")
                .hasMessageContaining("taskmanager.numberOfTaskSlots to at most 3");
        assertThat(GpuBinding.bind(List.of(), 4, 3, GpuPolicy.exclusive())).isEqualTo(DeviceRequest.CPU);
        assertThatThrownBy(() -> GpuBinding.bind(List.of(0, 0), 2, 0, GpuPolicy.exclusive()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GpuBinding.bind(List.of(0), 0, 0, GpuPolicy.exclusive()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sharingSpreadsSubtasksRoundRobinUpToTheShare() {
        List<DeviceRequest> bound = IntStream.range(0, 4)
                .mapToObj(s -> open("tm-1", "slot-" + s, List.of(0, 1), 4, GpuPolicy.shared(2)).device())
                .toList();

        assertThat(bound).containsExactly(gpu(0), gpu(1), gpu(0), gpu(1));
        assertThatThrownBy(() -> open("tm-1", "slot-4", List.of(0, 1), 4, GpuPolicy.shared(2)))
                .isInstanceOf(GpuBindingException.class)
                .hasMessageContaining("shared by up to 2 subtasks policy serves at most 4");
    }

    @Test
    void twoSubtasksOfOneTaskManagerShareAGpuOnlyWhenSharingIsConfigured() {
        DeviceLease a = open("tm-1", "slot-a", List.of(0, 1), 2, GpuPolicy.exclusive());
        DeviceLease b = open("tm-1", "slot-b", List.of(0, 1), 2, GpuPolicy.exclusive());
        assertThat(a.device()).isNotEqualTo(b.device());
        a.close();
        b.close();

        LocalIndexRegistry oneGpu = new LocalIndexRegistry();
        Function<String, DeviceLease> sharing = slot ->
                GpuBinding.forSubtask(subtask("tm-1", slot, List.of(0), 2), "gpu", GpuPolicy.shared(2), oneGpu);
        assertThat(sharing.apply("slot-a").device()).isEqualTo(sharing.apply("slot-b").device()).isEqualTo(gpu(0));
    }

    @Test
    void aClosedSubtaskFreesItsGpuForTheNext() {
        DeviceLease first = open("tm-1", "slot-a", List.of(0, 1), 2, GpuPolicy.exclusive());
        DeviceLease second = open("tm-1", "slot-b", List.of(0, 1), 2, GpuPolicy.exclusive());
        assertThat(List.of(first.device(), second.device())).containsExactly(gpu(0), gpu(1));

        first.close();
        first.close();
        DeviceLease restarted = open("tm-1", "slot-c", List.of(0, 1), 2, GpuPolicy.exclusive());

        assertThat(restarted.device()).isEqualTo(gpu(0));
        assertThat(restarted.localIndex()).hasValue(0);
        assertThat(registry.held("tm-1")).isEqualTo(2);
    }

    @Test
    void subtasksSharingASlotShareItsGpu() {
        DeviceLease embed = open("tm-1", "slot-a", List.of(0, 1), 2, GpuPolicy.exclusive());
        DeviceLease rerank = open("tm-1", "slot-a", List.of(0, 1), 2, GpuPolicy.exclusive());
        DeviceLease other = open("tm-1", "slot-b", List.of(0, 1), 2, GpuPolicy.exclusive());

        assertThat(rerank.device()).isEqualTo(embed.device()).isEqualTo(gpu(0));
        assertThat(other.device()).isEqualTo(gpu(1));
        embed.close();
        assertThat(registry.held("tm-1")).as("slot-a is still held by its other subtask").isEqualTo(2);
        rerank.close();
        assertThat(open("tm-1", "slot-c", List.of(0, 1), 2, GpuPolicy.exclusive()).device()).isEqualTo(gpu(0));
    }

    @Test
    void taskManagersBindIndependently() {
        assertThat(open("tm-1", "slot-a", List.of(0, 1), 2, GpuPolicy.exclusive()).device()).isEqualTo(gpu(0));
        assertThat(open("tm-2", "slot-b", List.of(0, 1), 2, GpuPolicy.exclusive()).device()).isEqualTo(gpu(0));
    }

    @Test
    void noGpuFallsBackToTheCpu() {
        DeviceLease lease = open("tm-1", "slot-a", List.of(), 4, GpuPolicy.exclusive());

        assertThat(lease.device()).isEqualTo(DeviceRequest.CPU);
        assertThat(lease.localIndex()).isEmpty();
        assertThat(registry.held("tm-1")).isZero();
    }

    @Test
    void namedDevicesAreTakenAsGiven() {
        Supplier<SubtaskView> unused = () -> {
            throw new AssertionError("a named device does not look at the task manager");
        };

        assertThat(GpuBinding.forSubtask(unused, "cpu", GpuPolicy.exclusive(), registry).device()).isEqualTo(DeviceRequest.CPU);
        assertThat(GpuBinding.forSubtask(unused, "gpu:3", GpuPolicy.exclusive(), registry).device()).isEqualTo(gpu(3));
        assertThat(GpuBinding.forSubtask(unused, " GPU:0 ", GpuPolicy.exclusive(), registry).device()).isEqualTo(gpu(0));
        assertThat(GpuBinding.forSubtask(subtask("tm-1", "s", List.of(5), 1), " GPU ", GpuPolicy.exclusive(), registry)
                .device()).as("gpu is automatic in any case").isEqualTo(gpu(5));
        assertThatThrownBy(() -> GpuBinding.forSubtask(unused, "tpu", GpuPolicy.exclusive(), registry))
                .isInstanceOf(DjlOpsException.class)
                .hasMessageContaining("'tpu'");
        assertThat(registry.held("tm-1")).isEqualTo(1);
    }

    @Test
    void indexesAreReadThroughTheIndexPropertyOfAnyInfo() {
        ExternalResourceInfo foreign = info(Map.of("index", "2", "uuid", "GPU-5e0c"));

        assertThat(GpuBinding.indexesOf(List.of(foreign, new GpuInfo(0)))).containsExactly(0, 2);
        assertThat(GpuBinding.indexesOf(Set.of())).isEmpty();
        assertThatThrownBy(() -> GpuBinding.indexesOf(List.of(info(Map.of("uuid", "GPU-5e0c")))))
                .isInstanceOf(GpuBindingException.class)
                .hasMessageContaining("no 'index' property");
        assertThatThrownBy(() -> GpuBinding.indexesOf(List.of(info(Map.of("index", "GPU-5e0c")))))
                .hasMessageContaining("'GPU-5e0c', which is not a device index");
        assertThatThrownBy(() -> GpuBinding.indexesOf(List.of(new GpuInfo(1), info(Map.of("index", "1")))))
                .hasMessageContaining("GPU 1 twice");
    }

    @Test
    void theRegistryKeepsLiveIndexesDense() {
        java.util.Random random = new java.util.Random(42);
        Map<String, Integer> live = new java.util.HashMap<>();
        for (int step = 0; step < 2_000; step++) {
            String slot = "slot-" + random.nextInt(8);
            if (live.containsKey(slot)) {
                registry.release("tm", slot);
                live.remove(slot);
            } else {
                int index = registry.acquire("tm", slot);
                live.put(slot, index);
                assertThat(index).as("below the number of live slots").isLessThan(live.size());
            }
            assertThat(live.values()).doesNotHaveDuplicates();
            assertThat(registry.held("tm")).isEqualTo(live.size());
        }
        assertThatThrownBy(() -> registry.release("tm", "never-acquired")).isInstanceOf(IllegalStateException.class);
    }

    private static ExternalResourceInfo info(Map<String, String> properties) {
        return new ExternalResourceInfo() {
            @Override
            public Optional<String> getProperty(String key) {
                return Optional.ofNullable(properties.get(key));
            }

            @Override
            public Collection<String> getKeys() {
                return properties.keySet();
            }

            @Override
            public String toString() {
                return "info" + properties;
            }
        };
    }
}
