package io.embedflow.bench;

import io.embedflow.orchestrator.cli.CliExtension;
import picocli.CommandLine;

/** Adds {@code embedflow bench NAME} to the CLI. */
public final class BenchExtension implements CliExtension {
    @Override
    public void register(CommandLine root) {
        root.addSubcommand("bench", new CommandLine(new BenchCommand()));
    }
}
