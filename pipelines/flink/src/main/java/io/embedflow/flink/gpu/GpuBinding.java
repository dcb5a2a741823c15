package io.embedflow.flink.gpu;

import io.embedflow.djl.device.DeviceRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which device a subtask of a GPU operator uses.
 *
 * <p>One call in the operator's {@code open()}, one {@code close()} in its {@code close()}:
 * <pre>{@code
 * lease = GpuBinding.forSubtask(getRuntimeContext(), device, policy);   // "cpu", "gpu" or "gpu:N"
 * model = load(lease.device());
 * ...
 * lease.close();
 * }</pre>
 * {@code cpu} and {@code gpu:N} are taken as given. {@code gpu} binds the subtask to one GPU of
 * its task manager (the ones the {@code gpu} external resource's driver reported, see
 * {@code docs/gpu.md}): the subtask's slot gets the lowest local index no other live slot on the
 * task manager holds, and {@link #bind} maps that index to a GPU, so two subtasks on one task
 * manager never share a GPU unless the {@link GpuPolicy} lets them. A task manager without GPUs
 * runs the subtask on the CPU, with a warning.
 */
public final class GpuBinding {
    private static final Logger LOG = LoggerFactory.getLogger(GpuBinding.class);

    /** The external resource name the GPUs are configured under ({@code external-resources: gpu}). */
    public static final String RESOURCE = "gpu";
    /** The property of an {@link ExternalResourceInfo} that holds the GPU's index. */
    public static final String INDEX_PROPERTY = "index";

    private GpuBinding() {}

    /** {@link #forSubtask(RuntimeContext, String, GpuPolicy)} with the exclusive policy: one subtask per GPU. */
    public static DeviceLease forSubtask(RuntimeContext ctx, String requestedDevice) {
        return forSubtask(ctx, requestedDevice, GpuPolicy.exclusive());
    }

    /**
     * Binds the calling subtask to a device; the caller closes the lease when the subtask closes.
     *
     * @param requestedDevice {@code cpu}, {@code gpu} (bind automatically) or {@code gpu:N} (exactly N)
     * @throws io.embedflow.djl.DjlOpsException if {@code requestedDevice} is none of these
     * @throws GpuBindingException if the task manager has GPUs but none is left for this subtask
     */
    public static DeviceLease forSubtask(RuntimeContext ctx, String requestedDevice, GpuPolicy policy) {
        return forSubtask(() -> SubtaskView.of(ctx), requestedDevice, policy, LocalIndexRegistry.JVM);
    }

    static DeviceLease forSubtask(Supplier<SubtaskView> subtask, String requestedDevice, GpuPolicy policy,
            LocalIndexRegistry registry) {
        if (!isAutomatic(requestedDevice)) {
            return DeviceLease.fixed(DeviceRequest.parse(requestedDevice));
        }
        return bindAutomatically(subtask.get(), policy, registry);
    }

    private static boolean isAutomatic(String requestedDevice) {
        return requestedDevice != null && requestedDevice.strip().toLowerCase(Locale.ROOT).equals("gpu");
    }

    private static DeviceLease bindAutomatically(SubtaskView subtask, GpuPolicy policy, LocalIndexRegistry registry) {
        if (subtask.gpus().isEmpty()) {
            LOG.warn("{} asked for a GPU but its task manager reports none (external resource '{}' not configured, "
                    + "or its driver found no GPU; see docs/gpu.md): it runs on the CPU", subtask.task(), RESOURCE);
            return DeviceLease.fixed(DeviceRequest.CPU);
        }
        int localIndex = registry.acquire(subtask.taskManager(), subtask.slot());
        try {
            DeviceRequest device = bind(subtask.gpus(), subtask.slots(), localIndex, policy);
            LOG.info("{} bound to {}: local index {} of GPUs {}, {}", subtask.task(), device, localIndex, subtask.gpus(),
                    policy);
            return new DeviceLease(device, OptionalInt.of(localIndex),
                    () -> registry.release(subtask.taskManager(), subtask.slot()));
        } catch (GpuBindingException e) {
            registry.release(subtask.taskManager(), subtask.slot());
            throw new GpuBindingException(subtask.task() + ": " + e.getMessage());
        }
    }

    /**
     * The device for the subtask with {@code localIndex} on a task manager with {@code gpus} and
     * {@code slots} slots. Pure: GPUs are taken in ascending index order and handed out
     * round-robin, local index {@code i} getting the {@code (i mod gpus)}-th GPU, up to
     * {@link GpuPolicy#capacity} subtasks. No GPU gives the CPU.
     *
     * @param gpus the task manager's GPU indexes, distinct, in any order
     * @param slots the task manager's number of slots, at least 1 (it only sharpens the error)
     * @param localIndex the subtask's local index, at least 0
     * @throws GpuBindingException if {@code localIndex} is beyond what the GPUs can serve under {@code policy}
     */
    public static DeviceRequest bind(Collection<Integer> gpus, int slots, int localIndex, GpuPolicy policy) {
        if (slots < 1 || localIndex < 0) {
            throw new IllegalArgumentException("slots must be at least 1 and the local index at least 0, were " + slots
                    + " and " + localIndex);
        }
        List<Integer> sorted = gpus.stream().sorted().toList();
        if (sorted.stream().distinct().count() != sorted.size() || sorted.stream().anyMatch(i -> i < 0)) {
            throw new IllegalArgumentException("GPU indexes must be distinct and non-negative, were " + gpus);
        }
        if (sorted.isEmpty()) {
            return DeviceRequest.CPU;
        }
        int capacity = policy.capacity(sorted.size());
        if (localIndex >= capacity) {
            throw new GpuBindingException("local index " + localIndex + " needs a GPU, but this task manager has "
                    + sorted.size() + " GPU(s) " + sorted + " and " + slots + " slot(s), and the " + policy
                    + " policy serves at most " + capacity + " subtask(s). Request GPUs for the operator's slots "
                    + "(GpuResources, docs/gpu.md), set taskmanager.numberOfTaskSlots to at most " + capacity
                    + ", or let subtasks share a GPU");
        }
        return new DeviceRequest(DeviceRequest.Kind.GPU, sorted.get(localIndex % sorted.size()));
    }

    /**
     * The GPU indexes in the infos a driver reported, read through {@value #INDEX_PROPERTY} (the
     * infos come from the driver's plugin class loader: their class is never cast to).
     *
     * @throws GpuBindingException if an info has no numeric index, or two have the same one
     */
    public static List<Integer> indexesOf(Collection<? extends ExternalResourceInfo> infos) {
        List<Integer> indexes = new ArrayList<>(infos.size());
        for (ExternalResourceInfo info : infos) {
            String text = info.getProperty(INDEX_PROPERTY).orElseThrow(() -> new GpuBindingException(
                    "the '" + RESOURCE + "' external resource " + info + " has no '" + INDEX_PROPERTY + "' property; "
                            + "is external-resource." + RESOURCE + ".driver-factory.class a GPU driver?"));
            int index;
            try {
                index = Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (index < 0 || indexes.contains(index)) {
                throw new GpuBindingException("the '" + RESOURCE + "' external resources report "
                        + (index < 0 ? "GPU index '" + text + "', which is not a device index" : "GPU " + index + " twice"));
            }
            indexes.add(index);
        }
        indexes.sort(null);
        return List.copyOf(indexes);
    }
}
