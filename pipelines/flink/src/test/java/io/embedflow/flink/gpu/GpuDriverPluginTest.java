package io.embedflow.flink.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.flink.gpu.driver.GpuDriverFactory;
import io.embedflow.flink.gpu.driver.GpuInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.runtime.externalresource.ExternalResourceUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver as a task manager loads it: through Flink's own {@link ExternalResourceUtils}, from a
 * plugin jar that holds only the driver package.
 */
class GpuDriverPluginTest {
    @TempDir
    Path tmp;

    static Configuration gpuConfig(int amount, String... params) {
        Configuration conf = new Configuration();
        conf.setString("external-resources", "gpu");
        conf.setString("external-resource.gpu.amount", Integer.toString(amount));
        conf.setString("external-resource.gpu.driver-factory.class", GpuDriverFactory.class.getName());
        for (int i = 0; i < params.length; i += 2) {
            conf.setString("external-resource.gpu.param." + params[i], params[i + 1]);
        }
        return conf;
    }

    private Set<ExternalResourceInfo> gpusOfATaskManager(Configuration conf) throws Exception {
        Path jar = GpuPluginJar.build(tmp.resolve("plugins/embedflow-gpu"));
        return ExternalResourceUtils
                .createStaticExternalResourceInfoProviderFromConfig(conf, GpuPluginJar.pluginManager(jar, conf))
                .getExternalResourceInfos("gpu");
    }

    @Test
    void flinkLoadsTheDriverFromItsPluginAndHandsItTheParameters() throws Exception {
        Set<ExternalResourceInfo> gpus = gpusOfATaskManager(gpuConfig(2, "indexes", "0,1,3"));

        assertThat(GpuBinding.indexesOf(gpus)).containsExactly(0, 1);
        ExternalResourceInfo info = gpus.iterator().next();
        assertThat(info.getClass().getName()).isEqualTo(GpuInfo.class.getName());
        assertThat(info.getClass().getClassLoader()).as("loaded in the plugin's own class loader")
                .isNotSameAs(GpuInfo.class.getClassLoader());
        assertThat(info).isNotInstanceOf(GpuInfo.class);
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void thePluginRunsTheConfiguredNvidiaSmi() throws Exception {
        Path smi = tmp.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\nprintf '0\\n1\\n2\\n3\\n'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThat(GpuBinding.indexesOf(gpusOfATaskManager(gpuConfig(3, "nvidia-smi", smi.toString()))))
                .containsExactly(0, 1, 2);
    }

    @Test
    void aTaskManagerWithoutNvidiaSmiStartsWithNoGpu() throws Exception {
        assertThat(gpusOfATaskManager(gpuConfig(2, "nvidia-smi", tmp.resolve("missing/nvidia-smi").toString()))).isEmpty();
    }

    @Test
    void aBadParameterCostsTheGpusNotTheTaskManager() throws Exception {
        assertThat(gpusOfATaskManager(gpuConfig(2, "indexes", "zero,one"))).isEmpty();
    }

    @Test
    void theFactoryOnTheClasspathAloneIsNotFound() {
        Configuration conf = gpuConfig(2, "indexes", "0,1");
        var noPlugins = new DefaultPluginManager(List.of(), new String[] {"java.", "org.apache.flink."});

        assertThat(ExternalResourceUtils.createStaticExternalResourceInfoProviderFromConfig(conf, noPlugins)
                .getExternalResourceInfos("gpu")).as("Flink looks for driver factories only in plugins").isEmpty();
    }
}
