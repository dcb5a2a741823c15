package io.embedflow.flink.gpu.driver;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;

/**
 * The parameters of {@link GpuDriverFactory}. Flink hands the factory only the keys under
 * {@code external-resource.<name>.param.}, with that prefix removed: for a resource named
 * {@code gpu}, {@link #INDEXES} is set in the Flink configuration as
 * {@code external-resource.gpu.param.indexes}.
 */
public final class GpuDriverOptions {
    private GpuDriverOptions() {}

    /** Longest index accepted, in digits; anything longer is garbage rather than a GPU. */
    private static final Pattern INDEX = Pattern.compile("[0-9]{1,4}");

    public static final ConfigOption<String> INDEXES = key("indexes").stringType().noDefaultValue()
            .withDescription("The GPU indexes of this task manager, comma-separated (e.g. 0,1,3). When set, "
                    + "nvidia-smi is not run. Use CUDA's numbering, as the task manager's process sees it.");
    public static final ConfigOption<String> NVIDIA_SMI = key("nvidia-smi").stringType().defaultValue("nvidia-smi")
            .withDescription("The nvidia-smi program (a name on the PATH or a path) asked for the GPU indexes "
                    + "when no indexes are configured.");
    public static final ConfigOption<Duration> DISCOVERY_TIMEOUT = key("discovery-timeout").durationType()
            .defaultValue(Duration.ofSeconds(10))
            .withDescription("How long nvidia-smi may run before it is killed and the task manager gets no GPUs.");

    /**
     * Parses an explicit index list: non-negative integers separated by commas (or by semicolons,
     * Flink's list separator), surrounding spaces allowed, no duplicates, at least one.
     *
     * @throws IllegalArgumentException naming the offending text
     */
    public static List<Integer> parseIndexes(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("param." + INDEXES.key() + " is empty; give GPU indexes such as 0,1");
        }
        List<Integer> indexes = new ArrayList<>();
        for (String part : text.split("[,;]", -1)) {
            String t = part.strip();
            if (!INDEX.matcher(t).matches()) {
                throw new IllegalArgumentException("param." + INDEXES.key() + " must be GPU indexes such as 0,1,3; '"
                        + t + "' in '" + text + "' is not one");
            }
            int index = Integer.parseInt(t);
            if (indexes.contains(index)) {
                throw new IllegalArgumentException("param." + INDEXES.key() + " names GPU " + index + " twice: '" + text + "'");
            }
            indexes.add(index);
        }
        return List.copyOf(indexes);
    }

    static boolean isIndex(String text) {
        return INDEX.matcher(text).matches();
    }
}
