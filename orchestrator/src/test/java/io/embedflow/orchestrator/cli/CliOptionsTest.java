package io.embedflow.orchestrator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command that prints records offers {@code --json}; every long command a progress bar it can force or turn off. */
class CliOptionsTest {

    /** Commands that change something and print a line about it, or run until stopped: no listing to give as JSON. */
    static final Set<String> ACTIONS = Set.of("embedflow embed", "embedflow infer", "embedflow train", "embedflow demo",
            "embedflow serve", "embedflow gang-worker", "embedflow model alias", "embedflow runs replay",
            "embedflow runs cancel", "embedflow schedule add", "embedflow schedule pause", "embedflow schedule resume",
            "embedflow schedule remove", "embedflow schedule trigger");
    /** Commands that run Flink jobs or read whole models. */
    static final Set<String> LONG = Set.of("embedflow embed", "embedflow infer", "embedflow train", "embedflow demo",
            "embedflow eval", "embedflow bless", "embedflow runs replay", "embedflow model import");

    @Test
    void everyCommandButTheActionsHasJson() {
        List<String> withoutJson = new ArrayList<>();
        for (CommandLine command : commands(Main.commandLine())) {
            String name = command.getCommandSpec().qualifiedName();
            if (!ACTIONS.contains(name) && command.getCommandSpec().findOption("--json") == null) {
                withoutJson.add(name);
            }
        }

        assertThat(withoutJson).isEmpty();
    }

    @Test
    void everyLongCommandHasProgressAndNoProgress() {
        List<String> commands = commands(Main.commandLine()).stream().map(c -> c.getCommandSpec().qualifiedName()).toList();
        assertThat(commands).containsAll(LONG);
        for (CommandLine command : commands(Main.commandLine())) {
            if (LONG.contains(command.getCommandSpec().qualifiedName())) {
                assertThat(command.getCommandSpec().findOption("--progress")).as(command.getCommandName()).isNotNull();
                assertThat(command.getCommandSpec().findOption("--no-progress")).as(command.getCommandName()).isNotNull();
            }
        }
    }

    /** The commands that run something (those without subcommands), depth first. */
    private static List<CommandLine> commands(CommandLine root) {
        List<CommandLine> leaves = new ArrayList<>();
        for (CommandLine sub : root.getSubcommands().values()) {
            if (sub.getCommandSpec().name().equals("help") || leaves.contains(sub)) {
                continue;
            }
            if (sub.getSubcommands().isEmpty() || sub.getCommandSpec().userObject() instanceof Runnable
                    || sub.getCommandSpec().userObject() instanceof java.util.concurrent.Callable) {
                leaves.add(sub);
            }
            leaves.addAll(commands(sub));
        }
        return leaves;
    }
}
