package io.embedflow.flink.gpu;

import io.embedflow.djl.device.DeviceRequest;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The device a subtask was bound to, held until the subtask closes. The operator that got it
 * from {@link GpuBinding#forSubtask} closes it in its {@code close()}, after releasing the model;
 * closing frees the subtask's local index for the next subtask on this task manager. Closing twice
 * is harmless.
 */
public final class DeviceLease implements AutoCloseable {
    private final DeviceRequest device;
    private final OptionalInt localIndex;
    private final Runnable release;
    private final AtomicBoolean closed = new AtomicBoolean();

    DeviceLease(DeviceRequest device, OptionalInt localIndex, Runnable release) {
        this.device = device;
        this.localIndex = localIndex;
        this.release = release;
    }

    /** A device that was asked for by name (cpu, gpu:N): nothing to release. */
    static DeviceLease fixed(DeviceRequest device) {
        return new DeviceLease(device, OptionalInt.empty(), () -> {});
    }

    /** The device to load the model on. */
    public DeviceRequest device() {
        return device;
    }

    /** The subtask's index among this operator's subtasks on its task manager, when it was bound automatically. */
    public OptionalInt localIndex() {
        return localIndex;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release.run();
        }
    }

    @Override
    public String toString() {
        return device + localIndex.stream().mapToObj(i -> " (local index " + i + ")").findFirst().orElse("");
    }
}
