package io.embedflow.orchestrator.cli;

import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.metadata.ModelVersion;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code embedflow model import|list}. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Manage model versions.",
        subcommands = {ModelCommand.Import.class, ModelCommand.ListVersions.class})
final class ModelCommand {
    @ParentCommand
    Main main;

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Copy a model directory into the snapshot store and print its version (NAME/N).")
    static final class Import implements Callable<Integer> {
        @ParentCommand
        ModelCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "Model directory: *.pt, tokenizer.json, serving.properties.")
        Path dir;

        @Option(names = "--name", required = true, description = "Model name.")
        String name;

        @Override
        public Integer call() {
            ModelDirectory.open(dir);
            try (EmbedflowHome home = EmbedflowHome.open(parent.main.home())) {
                ModelVersion v = home.registry().importModel(dir, name);
                spec.commandLine().getOut().println(v.ref());
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List model versions.")
    static final class ListVersions implements Callable<Integer> {
        @ParentCommand
        ModelCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (EmbedflowHome home = EmbedflowHome.open(parent.main.home())) {
                var out = spec.commandLine().getOut();
                out.printf("%-24s %-16s %-22s %s%n", "VERSION", "SNAPSHOT", "CREATED", "SOURCE");
                for (ModelVersion v : home.registry().list()) {
                    out.printf("%-24s %-16s %-22s %s%n", v.ref(), v.snapshotId().substring(0, 12),
                            v.createdAt().toString().substring(0, 19), v.source());
                }
            }
            return 0;
        }
    }
}
