package io.embedflow.orchestrator.cli;

import io.embedflow.connectors.snapshot.SnapshotFile;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.AliasMove;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.registry.ModelRef;
import io.embedflow.orchestrator.registry.ModelRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code embedflow model import|list|show|alias|history}. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Model versions, aliases and their history.",
        subcommands = {ModelCommand.Import.class, ModelCommand.ListVersions.class, ModelCommand.Show.class,
            ModelCommand.AliasCommand.class, ModelCommand.History.class})
final class ModelCommand {
    @ParentCommand
    Main main;

    static String actor(String explicit) {
        return explicit != null && !explicit.isBlank() ? explicit : System.getProperty("user.name", "unknown");
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Store a model as an immutable snapshot and print its version (NAME/N). SOURCE is a directory, "
                    + "a .zip/.tar.gz archive, an s3://bucket/prefix/ or a djl:// model-zoo URL (needs network).")
    static final class Import implements Callable<Integer> {
        @ParentCommand
        ModelCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "SOURCE", description = "Model: *.pt, tokenizer.json, serving.properties.")
        String source;

        @Option(names = "--name", required = true, description = "Model name.")
        String name;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Option(names = "--progress", description = "Show the progress bar even when stderr is not a terminal, and for "
                + "models under 64 MB.")
        boolean progress;

        @Option(names = "--no-progress", description = "Never show the progress bar.")
        boolean noProgress;

        @Override
        public Integer call() {
            try (EmbedflowHome home = parent.main.openHome()) {
                ModelRegistry.Imported imported = home.registry().importFrom(source, name, home.sources(), ModelDirectory::open,
                        ImportProgressBar.create(progress, noProgress));
                PrintWriter out = spec.commandLine().getOut();
                var r = imported.result();
                if (json) {
                    Map<String, Object> m = Views.version(imported.version(), home.registry().aliasesOf(imported.version()));
                    m.put("created", imported.created());
                    m.put("bytes", r.bytes());
                    m.put("bytesStored", r.bytesStored());
                    m.put("dedupeRatio", r.dedupeRatio());
                    Json.print(out, m);
                } else {
                    out.println(imported.version().ref());
                    spec.commandLine().getErr().printf("%s %s: %d files, %d bytes, %d new (%.0f%% already stored)%n",
                            imported.created() ? "imported" : "unchanged, already", imported.version().ref(),
                            r.snapshot().files().size(), r.bytes(), r.bytesStored(), 100 * r.dedupeRatio());
                }
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List model versions and their aliases.")
    static final class ListVersions implements Callable<Integer> {
        @ParentCommand
        ModelCommand parent;
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        public Integer call() {
            try (EmbedflowHome home = parent.main.openHome()) {
                PrintWriter out = spec.commandLine().getOut();
                List<Map<String, Object>> rows = new ArrayList<>();
                for (ModelVersion v : home.registry().list()) {
                    rows.add(Views.version(v, home.registry().aliasesOf(v)));
                }
                if (json) {
                    Json.print(out, rows);
                    return 0;
                }
                out.printf("%-24s %-14s %-20s %-22s %s%n", "VERSION", "SNAPSHOT", "ALIASES", "CREATED", "SOURCE");
                for (Map<String, Object> v : rows) {
                    out.printf("%-24s %-14s %-20s %-22s %s%n", v.get("ref"), ((String) v.get("snapshotId")).substring(0, 12),
                            String.join(",", (List<String>) v.get("aliases")), ((String) v.get("createdAt")).substring(0, 19),
                            v.get("source"));
                }
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one version: snapshot, files, aliases, runs.")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        ModelCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "MODEL", description = "NAME, NAME/N or NAME@ALIAS.")
        String model;

        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        public Integer call() {
            try (EmbedflowHome home = parent.main.openHome()) {
                ModelVersion v = home.registry().resolve(ModelRef.parse(model));
                List<SnapshotFile> files = home.snapshots().manifest(v.snapshotId()).orElseThrow(() ->
                        new OrchestratorException("snapshot " + v.snapshotId() + " of " + v.ref() + " is gone from "
                                + home.snapshots().describe()));
                List<RunRecord> runs = home.metadata().runsByModelSnapshot(v.snapshotId());
                Map<String, Object> m = Views.version(v, home.registry().aliasesOf(v));
                m.put("files", files.stream().map(f -> Map.of("path", f.path(), "size", f.size(), "sha256", f.sha256())).toList());
                m.put("runs", runs.stream().map(RunRecord::id).toList());
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    Json.print(out, m);
                    return 0;
                }
                out.printf("%-10s %s%n", "version", v.ref());
                out.printf("%-10s %s%n", "snapshot", v.snapshotId());
                out.printf("%-10s %s%n", "aliases", String.join(", ", (List<String>) m.get("aliases")));
                out.printf("%-10s %s%n", "created", v.createdAt());
                out.printf("%-10s %s%n", "source", v.source());
                out.printf("%-10s %d%n", "runs", runs.size());
                out.println("files");
                for (SnapshotFile f : files) {
                    out.printf("  %-32s %12d  %s%n", f.path(), f.size(), f.sha256());
                }
            }
            return 0;
        }
    }

    @Command(name = "alias", mixinStandardHelpOptions = true,
            description = "Point NAME@ALIAS at a version (or delete it); every move is kept in the history.")
    static final class AliasCommand implements Callable<Integer> {
        @ParentCommand
        ModelCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME@ALIAS")
        String aliasRef;

        @Parameters(index = "1", arity = "0..1", paramLabel = "VERSION", description = "NAME/N, N, or another NAME@ALIAS.")
        String target;

        @Option(names = "--reason", description = "Why (kept in the history).")
        String reason;

        @Option(names = "--actor", description = "Who (default: the OS user).")
        String actor;

        @Option(names = "--delete", description = "Remove the alias.")
        boolean delete;

        @Option(names = "--expect", paramLabel = "N", description = "Move only if the alias still points at version N.")
        Integer expect;

        @Override
        public Integer call() {
            ModelRef alias = ModelRef.parse(aliasRef);
            if (!alias.isAlias()) {
                throw new OrchestratorException("'" + aliasRef + "' is not an alias: expected NAME@ALIAS");
            }
            if (delete == (target != null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "give either a VERSION to point the alias at, or --delete");
            }
            try (EmbedflowHome home = parent.main.openHome()) {
                AliasMove move;
                if (delete) {
                    move = home.registry().deleteAlias(alias.name(), alias.alias(), actor(actor), reason);
                } else {
                    ModelRef to = target.matches("[0-9]+") ? ModelRef.of(alias.name(), Integer.parseInt(target))
                            : ModelRef.parse(target);
                    move = home.registry().moveAlias(alias.name(), alias.alias(), to, expect, actor(actor), reason, null);
                }
                spec.commandLine().getOut().printf("%s@%s: %s -> %s%n", move.name(), move.alias(),
                        move.fromVersion() == null ? "(none)" : move.name() + "/" + move.fromVersion(),
                        move.toVersion() == null ? "(deleted)" : move.name() + "/" + move.toVersion());
            }
            return 0;
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Every alias move of NAME or NAME@ALIAS, oldest first.")
    static final class History implements Callable<Integer> {
        @ParentCommand
        ModelCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME[@ALIAS]")
        String ref;

        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        public Integer call() {
            ModelRef parsed = ModelRef.parse(ref);
            try (EmbedflowHome home = parent.main.openHome()) {
                if (home.registry().versions(parsed.name()).isEmpty()) {
                    home.registry().resolve(ModelRef.latest(parsed.name()));
                }
                List<AliasMove> moves = home.registry().history(parsed.name(), parsed.alias());
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    Json.print(out, moves.stream().map(Views::move).toList());
                    return 0;
                }
                out.printf("%-20s %-24s %-14s %-14s %-12s %s%n", "ALIAS", "AT", "FROM", "TO", "ACTOR", "REASON");
                for (AliasMove m : moves) {
                    out.printf("%-20s %-24s %-14s %-14s %-12s %s%n", m.name() + "@" + m.alias(), m.at().toString().substring(0, 19),
                            m.fromVersion() == null ? "-" : m.name() + "/" + m.fromVersion(),
                            m.toVersion() == null ? "(deleted)" : m.name() + "/" + m.toVersion(), m.actor(),
                            m.reason() == null ? "" : m.reason());
                }
            }
            return 0;
        }
    }
}
