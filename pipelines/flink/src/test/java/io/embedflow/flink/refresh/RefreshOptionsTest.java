package io.embedflow.flink.refresh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefreshOptionsTest {
    @Test
    void argumentsMapToTypedOptions() {
        Configuration conf = RefreshOptions.fromArgs(new String[] {
            "--input", "/in", "--id-column", "id", "--batch.max-rows", "32", "--allow-duplicate-ids", "--embedflow.device", "gpu:1"});
        assertThat(conf.get(RefreshOptions.INPUT)).isEqualTo("/in");
        assertThat(conf.get(RefreshOptions.MAX_BATCH_ROWS)).isEqualTo(32);
        assertThat(conf.get(RefreshOptions.ALLOW_DUPLICATE_IDS)).isTrue();
        assertThat(conf.get(RefreshOptions.DEVICE)).isEqualTo("gpu:1");
        assertThat(conf.get(RefreshOptions.MAX_BATCH_TOKENS)).isEqualTo(4096);
    }

    @Test
    void unknownAndMissingOptionsAreNamed() {
        assertThatThrownBy(() -> RefreshOptions.fromArgs(new String[] {"--inptu", "/in"}))
                .isInstanceOf(RefreshJobException.class)
                .hasMessageContaining("--inptu");
        assertThatThrownBy(() -> RefreshJobSpec.fromConfiguration(RefreshOptions.fromArgs(new String[] {"--input", "/in"})))
                .isInstanceOf(RefreshJobException.class)
                .hasMessageContaining("--id-column");
    }

    @Test
    void theModelIsADirectoryOrASnapshotOfAStoreNeverBoth(@TempDir Path tmp) {
        String id = "ab".repeat(32);
        assertThatThrownBy(() -> RefreshJobSpec.modelSource(RefreshOptions.fromArgs(new String[] {
            "--model", "/models/a", "--model-store", tmp.toString(), "--model-snapshot-id", id})))
                .isInstanceOf(RefreshJobException.class).hasMessageContaining("--model and --model-store");
        assertThatThrownBy(() -> RefreshJobSpec.modelSource(RefreshOptions.fromArgs(new String[] {
            "--model-store", tmp.toString()}))).hasMessageContaining("--model-store needs --model-snapshot-id");
        assertThatThrownBy(() -> RefreshJobSpec.modelSource(RefreshOptions.fromArgs(new String[] {
            "--model-store", tmp.toString(), "--model-snapshot-id", id})))
                .isInstanceOf(RefreshJobException.class).hasMessageContaining("snapshot " + id + " not found in")
                .hasMessageContaining(tmp.toString());
        assertThatThrownBy(() -> RefreshJobSpec.modelSource(RefreshOptions.fromArgs(new String[] {})))
                .hasMessageContaining("missing option --model");
    }
}
