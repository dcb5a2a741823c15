package io.embedflow.flink.gpu.driver;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/**
 * One GPU of a task manager, as its operators see it through
 * {@code RuntimeContext.getExternalResourceInfos("gpu")}. Its one property, {@value #INDEX}, is the
 * device's CUDA index as decimal text (e.g. {@code "0"}), the same key Flink's own GPU plugin uses.
 *
 * <p>This class is loaded by the plugin class loader of the task manager: job code must read it
 * through {@link ExternalResourceInfo#getProperty} and never cast to it.
 *
 * @param index the device index, at least 0
 */
public record GpuInfo(int index) implements ExternalResourceInfo {
    /** The property holding the device index. */
    public static final String INDEX = "index";

    public GpuInfo {
        if (index < 0) {
            throw new IllegalArgumentException("GPU index must not be negative, was " + index);
        }
    }

    @Override
    public Optional<String> getProperty(String key) {
        return INDEX.equals(key) ? Optional.of(Integer.toString(index)) : Optional.empty();
    }

    @Override
    public Collection<String> getKeys() {
        return Set.of(INDEX);
    }

    @Override
    public String toString() {
        return "gpu:" + index;
    }
}
