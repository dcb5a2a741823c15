package io.embedflow.flink.gpu.driver;

import org.apache.flink.api.common.externalresource.ExternalResourceDriver;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.apache.flink.configuration.Configuration;

/**
 * Flink's entry point to the GPU driver, named in {@code external-resource.gpu.driver-factory.class}.
 *
 * <p>Flink's task manager finds driver factories only through its plugin mechanism: it asks the
 * plugin manager for {@link ExternalResourceDriverFactory} services and picks the one whose class
 * name is configured. This class therefore has to be in a jar under {@code plugins/<dir>/} of the
 * Flink distribution (lib/ and the job jar are not searched); the jar's
 * {@code META-INF/services/org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory}
 * names it. Inside the plugin only {@code java.*}, {@code org.apache.flink.*} and the logging APIs
 * are visible, so this package depends on nothing else. See {@code docs/gpu.md}.
 */
public final class GpuDriverFactory implements ExternalResourceDriverFactory {

    /** Instantiated by {@link java.util.ServiceLoader}. */
    public GpuDriverFactory() {}

    @Override
    public ExternalResourceDriver createExternalResourceDriver(Configuration params) {
        return GpuDriver.fromConfiguration(params, new ProcessCommandRunner(), System.getenv());
    }
}
