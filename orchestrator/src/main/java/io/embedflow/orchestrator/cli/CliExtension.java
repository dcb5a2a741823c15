package io.embedflow.orchestrator.cli;

import picocli.CommandLine;

/**
 * Adds commands to {@code embedflow} from modules the orchestrator cannot depend on (found with
 * {@link java.util.ServiceLoader}; the benchmarks module adds {@code bench}).
 */
public interface CliExtension {
    void register(CommandLine root);
}
