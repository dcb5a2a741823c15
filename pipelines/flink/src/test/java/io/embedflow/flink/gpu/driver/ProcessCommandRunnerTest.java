package io.embedflow.flink.gpu.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@DisabledOnOs(OS.WINDOWS)
class ProcessCommandRunnerTest {
    @TempDir
    Path tmp;

    private final ProcessCommandRunner runner = new ProcessCommandRunner();

    /** An executable shell script standing in for nvidia-smi. */
    static Path script(Path dir, String name, String body) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    @Test
    void returnsTheExitCodeAndBothStreams() throws Exception {
        Path smi = script(tmp, "nvidia-smi", "echo \"$1 $2\"; echo oops >&2; exit 3");

        CommandRunner.Result result = runner.run(List.of(smi.toString(), "--query-gpu=index", "--format=csv,noheader"),
                Duration.ofSeconds(10));

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo("--query-gpu=index --format=csv,noheader\n");
        assertThat(result.stderr()).isEqualTo("oops\n");
    }

    @Test
    void outputIsBounded() throws Exception {
        Path chatty = script(tmp, "chatty", "head -c 1000000 /dev/zero | tr '\\0' 'x'");

        CommandRunner.Result result = runner.run(List.of(chatty.toString()), Duration.ofSeconds(10));

        assertThat(result.stdout()).hasSize(ProcessCommandRunner.MAX_OUTPUT_BYTES);
    }

    @Test
    void aCommandThatRunsTooLongIsKilled() throws Exception {
        Path slow = script(tmp, "slow", "exec sleep 5");

        long start = System.nanoTime();
        assertThatThrownBy(() -> runner.run(List.of(slow.toString()), Duration.ofMillis(300)))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void aMissingProgramCannotStart() {
        assertThatThrownBy(() -> runner.run(List.of(tmp.resolve("no-such-nvidia-smi").toString()), Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void theDriverDiscoversThroughARealProcess() throws Exception {
        Path smi = script(tmp, "nvidia-smi", "printf '0\\n1\\n2\\n'");
        GpuDriver driver = new GpuDriver(Optional.empty(), smi.toString(), Duration.ofSeconds(10), runner,
                Optional.empty());

        assertThat(driver.retrieveResourceInfo(2)).containsExactly(new GpuInfo(0), new GpuInfo(1));
        Path hanging = script(tmp, "hanging-smi", "exec sleep 5");
        assertThat(new GpuDriver(Optional.empty(), hanging.toString(), Duration.ofMillis(200), runner,
                Optional.empty())
                .retrieveResourceInfo(2)).isEmpty();
    }
}
