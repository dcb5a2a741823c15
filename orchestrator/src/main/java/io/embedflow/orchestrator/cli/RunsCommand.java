package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.RunRecord;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code embedflow runs [show ID]}: the run records. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "List runs, newest first.",
        subcommands = RunsCommand.Show.class)
final class RunsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--limit", defaultValue = "50", description = "Most runs to list (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
        try (EmbedflowHome home = EmbedflowHome.open(main.home())) {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-28s %-10s %-16s %10s %10s %10s  %s%n", "RUN", "STATUS", "MODEL", "ROWS OUT", "REJECTED", "ROWS/S", "STARTED");
            for (RunRecord r : home.metadata().listRuns(limit)) {
                out.printf("%-28s %-10s %-16s %10d %10d %10.0f  %s%n", r.id(), r.status(), r.modelRef(), r.rowsOut(),
                        r.rowsRejected(), r.rowsPerSecond(), r.startedAt().toString().substring(0, 19));
            }
        }
        return 0;
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one run (id or unique prefix).")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        RunsCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            try (EmbedflowHome home = EmbedflowHome.open(parent.main.home())) {
                RunRecord r = home.metadata().findRun(id)
                        .orElseThrow(() -> new OrchestratorException("run '" + id + "' not found"));
                PrintWriter out = spec.commandLine().getOut();
                line(out, "id", r.id());
                line(out, "kind", r.kind());
                line(out, "status", r.status());
                line(out, "model", r.modelRef());
                line(out, "model snapshot", r.modelSnapshotId());
                line(out, "data snapshot", r.dataSnapshotId());
                line(out, "input", r.inputPath());
                line(out, "output", r.outputPath());
                line(out, "code version", r.codeVersion());
                line(out, "rows in", r.rowsIn());
                line(out, "rows out", r.rowsOut());
                line(out, "rows rejected", r.rowsRejected());
                line(out, "rows truncated", r.rowsTruncated());
                line(out, "started", r.startedAt());
                line(out, "finished", r.finishedAt());
                line(out, "duration", String.format("%.1f s", r.duration().toMillis() / 1000.0));
                line(out, "rows/s", String.format("%.0f", r.rowsPerSecond()));
                line(out, "config", r.configJson());
                if (r.error() != null) {
                    line(out, "error", r.error());
                }
            }
            return 0;
        }

        private static void line(PrintWriter out, String key, Object value) {
            out.printf("%-15s %s%n", key, value == null ? "-" : value);
        }
    }
}
