package io.embedflow.orchestrator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s leader election flags are checked before anything starts, and their errors name the flag. */
class ServeCommandTest {

    @TempDir
    Path home;

    private String refused(String... flags) {
        String[] args = new String[flags.length + 3];
        args[0] = "--home";
        args[1] = home.toString();
        args[2] = "serve";
        System.arraycopy(flags, 0, args, 3, flags.length);
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertThat(status).as(err.toString()).isEqualTo(2);
        return err.toString();
    }

    @Test
    void aLeaseThatIsNotTwoKubernetesNamesIsRefused() {
        assertThat(refused("--leader-election", "embedflow-serve")).contains("--leader-election", "NAMESPACE/NAME", "'embedflow-serve'");
        assertThat(refused("--leader-election", "ML/serve")).contains("--leader-election", "namespace", "'ML'");
        assertThat(refused("--leader-election", "ml/serve_1")).contains("--leader-election", "'serve_1'");
    }

    @Test
    void theLeaseDurationNeedsTheElectionAndWholeSeconds() {
        assertThat(refused("--leader-lease-duration", "30s")).contains("--leader-lease-duration needs --leader-election");
        assertThat(refused("--leader-election", "ml/serve", "--leader-lease-duration", "1500ms"))
                .contains("--leader-lease-duration", "whole seconds");
    }
}
