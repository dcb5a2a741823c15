package io.embedflow.djl.device;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.embedflow.djl.DjlOpsException;
import java.util.Locale;

/**
 * A declarative device request: {@code cpu}, {@code gpu} (the first GPU) or {@code gpu:N}.
 *
 * @param kind CPU or GPU
 * @param index the GPU index; 0 for the CPU
 */
public record DeviceRequest(Kind kind, int index) {
    public static final DeviceRequest CPU = new DeviceRequest(Kind.CPU, 0);

    public enum Kind { CPU, GPU }

    public DeviceRequest {
        if (kind == null || index < 0 || (kind == Kind.CPU && index != 0)) {
            throw new DjlOpsException("invalid device request: " + kind + ":" + index);
        }
    }

    /** Parses {@code cpu}, {@code gpu} or {@code gpu:N}; errors name the bad text. */
    public static DeviceRequest parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("gpu")) {
            return new DeviceRequest(Kind.GPU, 0);
        }
        if (t.startsWith("gpu:")) {
            try {
                return new DeviceRequest(Kind.GPU, Integer.parseInt(t.substring(4)));
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new DjlOpsException("device must be cpu, gpu or gpu:N, was '" + text + "'");
    }

    /** The DJL device for this request on {@code engine}; a GPU the engine cannot see is an error. */
    public Device resolve(Engine engine) {
        if (kind == Kind.CPU) {
            return Device.cpu();
        }
        int visible = engine.getGpuCount();
        if (index >= visible) {
            throw new DjlOpsException("device " + this + " requested but the " + engine.getEngineName()
                    + " engine sees " + visible + " GPU(s)");
        }
        return Device.gpu(index);
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "gpu:" + index;
    }
}
