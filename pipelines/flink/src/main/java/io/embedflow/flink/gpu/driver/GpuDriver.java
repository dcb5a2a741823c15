package io.embedflow.flink.gpu.driver;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceDriver;
import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a task manager which GPUs it has. Flink calls {@link #retrieveResourceInfo} once, when
 * the task manager starts, with {@code external-resource.gpu.amount}; the result is what every
 * operator on that task manager gets from {@code RuntimeContext.getExternalResourceInfos("gpu")}.
 *
 * <p>Discovery, in order: the configured {@link GpuDriverOptions#INDEXES}; otherwise
 * {@code nvidia-smi --query-gpu=index --format=csv,noheader}, bounded by
 * {@link GpuDriverOptions#DISCOVERY_TIMEOUT}, renumbered the way CUDA numbers devices when
 * {@code CUDA_VISIBLE_DEVICES} is set (nvidia-smi ignores it, libtorch does not). At most {@code amount} GPUs are returned, the first
 * ones found. A failed discovery (no program, non-zero exit, timeout, unreadable output) logs a
 * warning and returns no GPU: the task manager starts anyway and GPU operators fall back to the
 * CPU, rather than a broken driver stopping the task manager.
 */
public final class GpuDriver implements ExternalResourceDriver {
    private static final Logger LOG = LoggerFactory.getLogger(GpuDriver.class);

    private final Optional<List<Integer>> configuredIndexes;
    private final String nvidiaSmi;
    private final Duration timeout;
    private final CommandRunner runner;
    private final Optional<String> cudaVisibleDevices;

    GpuDriver(Optional<List<Integer>> configuredIndexes, String nvidiaSmi, Duration timeout, CommandRunner runner,
            Optional<String> cudaVisibleDevices) {
        if (nvidiaSmi == null || nvidiaSmi.isBlank()) {
            throw new IllegalArgumentException("param." + GpuDriverOptions.NVIDIA_SMI.key() + " must name a program");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("param." + GpuDriverOptions.DISCOVERY_TIMEOUT.key() + " must be positive, was "
                    + timeout);
        }
        this.configuredIndexes = configuredIndexes.map(List::copyOf);
        this.nvidiaSmi = nvidiaSmi.strip();
        this.timeout = timeout;
        this.runner = runner;
        this.cudaVisibleDevices = cudaVisibleDevices;
    }

    /**
     * Reads the driver's parameters ({@code external-resource.<name>.param.*} without that prefix).
     *
     * @param environment the task manager's environment, for {@value NvidiaSmi#CUDA_VISIBLE_DEVICES}
     * @throws IllegalArgumentException for a malformed index list or timeout, naming the key
     */
    public static GpuDriver fromConfiguration(Configuration params, CommandRunner runner, Map<String, String> environment) {
        Optional<List<Integer>> indexes = params.getOptional(GpuDriverOptions.INDEXES).map(GpuDriverOptions::parseIndexes);
        return new GpuDriver(indexes, params.get(GpuDriverOptions.NVIDIA_SMI), params.get(GpuDriverOptions.DISCOVERY_TIMEOUT),
                runner, Optional.ofNullable(environment.get(NvidiaSmi.CUDA_VISIBLE_DEVICES)));
    }

    @Override
    public Set<GpuInfo> retrieveResourceInfo(long amount) {
        if (amount <= 0) {
            throw new IllegalArgumentException("the amount of GPUs must be positive, was " + amount);
        }
        Discovery discovery = discover();
        discovery.problem().ifPresent(problem -> LOG.warn(
                "GPU discovery through '{}' failed, this task manager offers no GPU and GPU operators run on the CPU: {}",
                discovery.source(), problem));
        Set<GpuInfo> gpus = new LinkedHashSet<>();
        for (int index : discovery.indexes()) {
            if (gpus.size() == amount) {
                break;
            }
            gpus.add(new GpuInfo(index));
        }
        if (discovery.problem().isEmpty() && gpus.size() < amount) {
            LOG.warn("external-resource amount is {} GPU(s) but '{}' found {}: slots that need a GPU beyond these get none",
                    amount, discovery.source(), discovery.indexes());
        }
        LOG.info("GPUs of this task manager: {} (found {} through '{}', amount {})", gpus, discovery.indexes(),
                discovery.source(), amount);
        return gpus;
    }

    /** Runs the discovery; never throws for what the machine answers. */
    public Discovery discover() {
        if (configuredIndexes.isPresent()) {
            return Discovery.found(configuredIndexes.get(), "param." + GpuDriverOptions.INDEXES.key());
        }
        Discovery physical = NvidiaSmi.query(runner, nvidiaSmi, timeout);
        if (physical.problem().isPresent() || cudaVisibleDevices.isEmpty()) {
            return physical;
        }
        return NvidiaSmi.asCudaSees(physical, cudaVisibleDevices.get());
    }
}
