package io.embedflow.flink.gpu.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DelegatingConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GpuDriverTest {
    private static final String PARAMS = "external-resource.gpu.param.";

    /** The parameters the way Flink hands them to the factory: the resource's param. keys, prefix removed. */
    private static Configuration params(String... keyValues) {
        Configuration flink = new Configuration();
        for (int i = 0; i < keyValues.length; i += 2) {
            flink.setString(keyValues[i], keyValues[i + 1]);
        }
        flink.setString("external-resource.gpu.amount", "2");
        return new DelegatingConfiguration(flink, PARAMS);
    }

    private static GpuDriver driver(FakeCommandRunner runner, String... keyValues) {
        return GpuDriver.fromConfiguration(params(keyValues), runner, Map.of());
    }

    private static List<Integer> indexes(Set<GpuInfo> infos) {
        return infos.stream().map(GpuInfo::index).toList();
    }

    @Test
    void nvidiaSmiOutputGivesTheGpusUpToTheAmount() {
        FakeCommandRunner smi = FakeCommandRunner.printing("0\n1\n2\n3\n");
        GpuDriver driver = driver(smi);

        assertThat(indexes(driver.retrieveResourceInfo(2))).containsExactly(0, 1);
        assertThat(indexes(driver.retrieveResourceInfo(4))).containsExactly(0, 1, 2, 3);
        assertThat(indexes(driver.retrieveResourceInfo(8))).as("fewer found than the amount: all of them")
                .containsExactly(0, 1, 2, 3);
        assertThat(smi.commands.get(0)).containsExactly("nvidia-smi", "--query-gpu=index", "--format=csv,noheader");
        assertThat(smi.timeouts.get(0)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void windowsLineEndsAndBlankLinesAreTolerated() {
        assertThat(indexes(driver(FakeCommandRunner.printing("\r\n 0 \r\n1\r\n\r\n")).retrieveResourceInfo(4)))
                .containsExactly(0, 1);
        assertThat(driver(FakeCommandRunner.printing("")).discover().problem()).as("no GPU is not a failure").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
        "0\nGPU 1: NVIDIA H200 (UUID: GPU-5e0c)\n",
        "index\n0\n1\n",
        "0, NVIDIA H200\n",
        "0\n0\n",
        "-1\n",
        "99999999999\n",
        "\u0000\u0001binary"})
    void garbageOutputGivesNoGpuAndSaysWhy(String stdout) {
        GpuDriver driver = driver(FakeCommandRunner.printing(stdout));

        Discovery discovery = driver.discover();
        assertThat(discovery.indexes()).isEmpty();
        assertThat(discovery.problem()).get().asString().contains("unexpected nvidia-smi output");
        assertThat(driver.retrieveResourceInfo(2)).isEmpty();
    }

    @Test
    void aFailingNvidiaSmiGivesNoGpuAndQuotesIt() {
        GpuDriver driver = driver(FakeCommandRunner.exiting(9, "",
                "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."));

        assertThat(driver.retrieveResourceInfo(2)).isEmpty();
        assertThat(driver.discover().problem()).get().asString()
                .contains("exited with code 9").contains("couldn't communicate with the NVIDIA driver");
    }

    @Test
    void aMissingBinaryGivesNoGpu() {
        GpuDriver driver = driver(FakeCommandRunner.missing(), PARAMS + "nvidia-smi", "/opt/nvidia/bin/nvidia-smi");

        assertThat(driver.retrieveResourceInfo(2)).isEmpty();
        assertThat(driver.discover().problem()).get().asString().contains("cannot run /opt/nvidia/bin/nvidia-smi");
    }

    @Test
    void aHangingNvidiaSmiGivesNoGpuWithinTheConfiguredTime() {
        FakeCommandRunner smi = FakeCommandRunner.hanging();
        GpuDriver driver = driver(smi, PARAMS + "discovery-timeout", "3 s");

        assertThat(driver.retrieveResourceInfo(2)).isEmpty();
        assertThat(smi.timeouts).containsOnly(Duration.ofSeconds(3));
        assertThat(driver.discover().problem()).get().asString().contains("did not finish within 3000 ms");
    }

    @Test
    void anInterruptGivesNoGpuAndKeepsTheInterruptFlag() {
        try {
            assertThat(driver(FakeCommandRunner.interrupted()).retrieveResourceInfo(2)).isEmpty();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void anExplicitListWinsOverNvidiaSmiAndIsLimitedByTheAmount() {
        FakeCommandRunner smi = FakeCommandRunner.printing("0\n1\n2\n3\n");
        GpuDriver driver = driver(smi, PARAMS + "indexes", "0,1,3");

        assertThat(indexes(driver.retrieveResourceInfo(3))).containsExactly(0, 1, 3);
        assertThat(indexes(driver.retrieveResourceInfo(2))).containsExactly(0, 1);
        assertThat(smi.commands).as("nvidia-smi is not asked").isEmpty();
        assertThat(indexes(driver(smi, PARAMS + "indexes", " 2 ; 0 ").retrieveResourceInfo(2))).containsExactly(2, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "0,,1", "0,1,", "a", "gpu0", "1,1", "-1", "0 1", "[0, 1]"})
    void aMalformedExplicitListIsAConfigurationError(String list) {
        assertThatThrownBy(() -> driver(FakeCommandRunner.missing(), PARAMS + "indexes", list))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("param.indexes");
    }

    @Test
    void badParametersAreNamed() {
        assertThatThrownBy(() -> driver(FakeCommandRunner.missing(), PARAMS + "discovery-timeout", "0 s"))
                .hasMessageContaining("param.discovery-timeout");
        assertThatThrownBy(() -> driver(FakeCommandRunner.missing(), PARAMS + "nvidia-smi", " "))
                .hasMessageContaining("param.nvidia-smi");
        assertThatThrownBy(() -> driver(FakeCommandRunner.printing("0")).retrieveResourceInfo(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "CUDA_VISIBLE_DEVICES=''{0}'' -> {1}")
    @CsvSource(delimiter = ';', value = {
        "2,3;0,1", "3;0", "1,7,2;0", "'';''", "-1;''", "GPU-5e0c,GPU-77a1;0,1", "0,1,2,3;0,1,2,3"})
    void cudaVisibleDevicesRenumbersWhatNvidiaSmiReports(String visible, String expected) {
        GpuDriver driver = GpuDriver.fromConfiguration(params(), FakeCommandRunner.printing("0\n1\n2\n3\n"),
                Map.of("CUDA_VISIBLE_DEVICES", visible));

        assertThat(driver.discover().indexes()).map(String::valueOf)
                .containsExactlyElementsOf(expected.isEmpty() ? List.of() : List.of(expected.split(",")));
        assertThat(driver.discover().source()).contains("CUDA_VISIBLE_DEVICES=" + visible);
    }

    @Test
    void anExplicitListIsTakenAsCudaNumbersWhateverCudaVisibleDevicesSays() {
        GpuDriver driver = GpuDriver.fromConfiguration(params(PARAMS + "indexes", "0,1"), FakeCommandRunner.missing(),
                Map.of("CUDA_VISIBLE_DEVICES", "5,6"));

        assertThat(driver.discover().indexes()).containsExactly(0, 1);
    }

    @Test
    void theFactoryReadsTheParameters() throws Exception {
        var driver = new GpuDriverFactory().createExternalResourceDriver(params(PARAMS + "indexes", "1"));

        assertThat(driver.retrieveResourceInfo(1)).extracting(info -> info.getProperty("index").orElseThrow())
                .containsExactly("1");
    }

    @Test
    void aGpuInfoCarriesItsIndexAsTheIndexProperty() {
        GpuInfo info = new GpuInfo(3);

        assertThat(info.getProperty("index")).contains("3");
        assertThat(info.getProperty("uuid")).isEmpty();
        assertThat(info.getKeys()).containsExactly("index");
        assertThatThrownBy(() -> new GpuInfo(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
