package io.embedflow.flink.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.ClusterOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint;
import org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException;
import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone session cluster in this JVM whose task manager starts the way {@code
 * taskmanager.sh} starts one: the GPU driver comes from a plugin jar, and the configuration gives
 * it two GPUs ({@code amount 2}, {@code param.indexes 0,1}) and four slots. Jobs whose operator asks
 * {@link GpuBinding} for its device show that Flink hands the driver's GPUs to operators and that
 * the binding and {@link GpuResources} keep the subtasks on different GPUs. (A MiniCluster cannot
 * show this: it starts its task managers with no external resources.)
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GpuClusterIT {
    private static final SlotResources SMALL_GPU_SLOT =
            new SlotResources(0.5, MemorySize.ofMebiBytes(32), MemorySize.ZERO, MemorySize.ZERO);
    private static final SlotResources SMALL_CPU_SLOT =
            new SlotResources(0.5, MemorySize.ofMebiBytes(32), MemorySize.ZERO, MemorySize.ofMebiBytes(16));

    @TempDir
    static Path tmp;

    private static StandaloneSessionClusterEntrypoint jobManager;
    private static TaskManagerRunner taskManager;

    @BeforeAll
    static void startCluster() throws Exception {
        Configuration conf = GpuDriverPluginTest.gpuConfig(2, "indexes", "0,1");
        conf.set(JobManagerOptions.ADDRESS, "127.0.0.1");
        conf.set(JobManagerOptions.PORT, 0);
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, "0");
        // a job that cannot get its slots fails after this long (the test of that waits for it)
        conf.set(JobManagerOptions.SLOT_REQUEST_TIMEOUT, Duration.ofSeconds(8));
        conf.set(ClusterOptions.PROCESS_WORKING_DIR_BASE, tmp.resolve("work").toString());
        jobManager = new StandaloneSessionClusterEntrypoint(conf);
        jobManager.startCluster();

        Configuration tm = new Configuration(conf);
        tm.set(JobManagerOptions.PORT, jobManager.getRpcPort());
        tm.set(TaskManagerOptions.HOST, "127.0.0.1");
        // more slots than GPUs: an unspecified slot gets a quarter of everything, half a GPU included
        tm.set(TaskManagerOptions.NUM_TASK_SLOTS, 4);
        tm.set(TaskManagerOptions.CPU_CORES, 4.0);
        // what taskmanager.sh derives from taskmanager.memory.process.size and passes on
        tm.set(TaskManagerOptions.TASK_HEAP_MEMORY, MemorySize.ofMebiBytes(256));
        tm.set(TaskManagerOptions.TASK_OFF_HEAP_MEMORY, MemorySize.ofMebiBytes(64));
        tm.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(128));
        tm.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.ofMebiBytes(64));
        tm.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.ofMebiBytes(64));
        tm.set(TaskManagerOptions.FRAMEWORK_HEAP_MEMORY, MemorySize.ofMebiBytes(128));
        tm.set(TaskManagerOptions.FRAMEWORK_OFF_HEAP_MEMORY, MemorySize.ofMebiBytes(128));
        tm.set(TaskManagerOptions.JVM_METASPACE, MemorySize.ofMebiBytes(256));
        tm.set(TaskManagerOptions.JVM_OVERHEAD_MIN, MemorySize.ofMebiBytes(192));
        tm.set(TaskManagerOptions.JVM_OVERHEAD_MAX, MemorySize.ofMebiBytes(192));
        Path pluginJar = GpuPluginJar.build(tmp.resolve("plugins/embedflow-gpu"));
        taskManager = new TaskManagerRunner(tm, GpuPluginJar.pluginManager(pluginJar, tm),
                TaskManagerRunner::createTaskExecutorService);
        taskManager.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        try {
            if (taskManager != null) {
                taskManager.close();
            }
        } finally {
            if (jobManager != null) {
                jobManager.closeAsync().get(1, TimeUnit.MINUTES);
            }
        }
    }

    @Test
    void aBatchJobsGpuSubtasksBindOneGpuEach() throws Exception {
        List<String> bound = run(RuntimeExecutionMode.BATCH,
                embed -> GpuResources.apply(embed, GpuPolicy.exclusive(), SMALL_GPU_SLOT, SMALL_CPU_SLOT));

        assertOneGpuPerSubtask(bound);
        assertThat(bound.stream().map(s -> s.split("\\|")[2]).distinct())
                .as("two slots, each known by its allocation id").hasSize(2).doesNotContain("null", "");
    }

    @Test
    void gpuSlotsAndCpuSlotsRunSideBySide() throws Exception {
        List<String> bound = run(RuntimeExecutionMode.STREAMING,
                embed -> GpuResources.apply(embed, GpuPolicy.exclusive(), SMALL_GPU_SLOT, SMALL_CPU_SLOT));

        assertOneGpuPerSubtask(bound);
    }

    @Test
    void withoutAGpuFreeDefaultGroupTheCpuSlotsTakeTheGpuSlotsShare() {
        // the two source slots, unspecified, each take a quarter of the task manager: half a GPU each, and
        // CPU and memory to spare; the two GPU slots then find one GPU where they need two
        assertThatThrownBy(() -> run(RuntimeExecutionMode.STREAMING,
                embed -> embed.slotSharingGroup(GpuResources.gpuGroup(GpuPolicy.exclusive(), SMALL_GPU_SLOT))))
                .hasRootCauseInstanceOf(NoResourceAvailableException.class);
    }

    private static void assertOneGpuPerSubtask(List<String> bound) {
        Map<String, String> deviceBySubtask = bound.stream().distinct()
                .collect(Collectors.toMap(s -> s.split("\\|")[0], s -> s.split("\\|")[1]));
        assertThat(deviceBySubtask).as("one device per subtask: %s", bound).hasSize(2);
        assertThat(deviceBySubtask.values()).containsExactlyInAnyOrder("gpu:0", "gpu:1");
        assertThat(bound).allMatch(s -> s.endsWith("|GPUs [0, 1]"));
    }

    /** Runs source (parallelism 2) -> rebalance -> BindDevice (parallelism 2) -> collect, with {@code resources} applied. */
    private static List<String> run(RuntimeExecutionMode mode, Consumer<SingleOutputStreamOperator<String>> resources)
            throws Exception {
        Configuration client = new Configuration();
        client.set(DeploymentOptions.TARGET, "remote");
        client.set(RestOptions.ADDRESS, "127.0.0.1");
        client.set(RestOptions.PORT, jobManager.getRestPort());
        client.set(ExecutionOptions.RUNTIME_MODE, mode);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(client);
        SingleOutputStreamOperator<String> embed = env.fromSequence(0, 99).setParallelism(2).rebalance()
                .map(new BindDevice()).setParallelism(2).name("embed");
        resources.accept(embed);
        List<String> out = new ArrayList<>();
        try (CloseableIterator<String> it = embed.executeAndCollect("gpu binding")) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** Stands in for the embed operator: binds in open(), reports its device with each record, releases in close(). */
    private static final class BindDevice extends RichMapFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        private transient DeviceLease lease;
        private transient String gpus;

        @Override
        public void open(OpenContext openContext) {
            lease = GpuBinding.forSubtask(getRuntimeContext(), "gpu");
            gpus = "GPUs " + GpuBinding.indexesOf(getRuntimeContext().getExternalResourceInfos(GpuBinding.RESOURCE));
        }

        @Override
        public String map(Long value) {
            return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + "|" + lease.device() + "|"
                    + getRuntimeContext().getTaskInfo().getAllocationIDAsString() + "|" + gpus;
        }

        @Override
        public void close() {
            if (lease != null) {
                lease.close();
            }
        }
    }
}
