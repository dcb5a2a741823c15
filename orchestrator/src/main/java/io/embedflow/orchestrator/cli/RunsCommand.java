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
        subcommands = {RunsCommand.Show.class, RunsCommand.Replay.class, RunsCommand.Cancel.class, RunsCommand.Report.class})
final class RunsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--limit", defaultValue = "50", description = "Most runs to list (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() {
        try (EmbedflowHome home = main.openHome()) {
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Json.print(out, home.metadata().listRuns(limit).stream().map(Views::run).toList());
                return 0;
            }
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

        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        public Integer call() {
            try (EmbedflowHome home = parent.main.openHome()) {
                RunRecord r = home.metadata().findRun(id)
                        .orElseThrow(() -> new OrchestratorException("run '" + id + "' not found"));
                PrintWriter out = spec.commandLine().getOut();
                String metrics = home.metadata().findRunMetrics(r.id()).orElse(null);
                if (json) {
                    var view = Views.run(r);
                    view.put("metrics", metrics == null ? null : Views.parse(metrics));
                    Json.print(out, view);
                    return 0;
                }
                line(out, "id", r.id());
                line(out, "kind", r.kind());
                line(out, "status", r.status());
                if (r.origin() != null) {
                    line(out, "spec", r.origin().spec());
                    line(out, "trigger", r.origin().describeTrigger());
                    if (r.origin().queueRequest() != null) {
                        line(out, "queue request", r.origin().queueRequest());
                    }
                }
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
                if (metrics != null) {
                    line(out, "metrics", metrics);
                }
                if (r.replayOf() != null) {
                    line(out, "replay of", r.replayOf());
                }
                if (r.error() != null) {
                    line(out, "error", r.error());
                }
                if (r.logLocation() != null) {
                    line(out, "log", r.logLocation());
                }
            }
            return 0;
        }

        private static void line(PrintWriter out, String key, Object value) {
            out.printf("%-15s %s%n", key, value == null ? "-" : value);
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Print the path of a run's HTML report (id or unique prefix), writing it first if it is missing "
                    + "(runs from before reports existed) or --rewrite is given.")
    static final class Report implements Callable<Integer> {
        @ParentCommand
        RunsCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--rewrite", description = "Write the report again from what is known now.")
        boolean rewrite;

        @Option(names = "--json", description = "Print as JSON: the run id and the report's path.")
        boolean json;

        @Override
        public Integer call() {
            try (EmbedflowHome home = parent.main.openHome()) {
                var reports = io.embedflow.orchestrator.report.Reports.of(home);
                var path = rewrite ? reports.write(id) : reports.ensure(id);
                if (json) {
                    var view = new java.util.LinkedHashMap<String, Object>();
                    view.put("run", id);
                    view.put("report", path.toString());
                    Json.print(spec.commandLine().getOut(), view);
                } else {
                    spec.commandLine().getOut().println(path);
                }
            }
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Re-run a finished or failed refresh with the same model snapshot, data snapshot, configuration "
                    + "and code version; refused, naming what changed, if any of them did.")
    static final class Replay implements Callable<Integer> {
        @ParentCommand
        RunsCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--output", paramLabel = "DIR|S3URI",
                description = "Table directory or s3://bucket/prefix/ (default: <original>-replay-<run id>).")
        String output;

        @Option(names = "--progress", description = "Show the progress bar even when stderr is not a terminal.")
        boolean progress;

        @Option(names = "--no-progress", description = "Never show the progress bar.")
        boolean noProgress;

        @Override
        public Integer call() {
            try (EmbedflowHome home = parent.main.openHome()) {
                var prepared = new io.embedflow.orchestrator.refresh.Replays(home.metadata(), home.registry(), home.snapshots())
                        .prepare(id, output, io.embedflow.orchestrator.CodeVersion.current());
                try (var flink = io.embedflow.orchestrator.submit.EmbeddedFlink.start(prepared.request().parallelism())) {
                    var outcome = CommandReports.around(home, () -> new io.embedflow.orchestrator.refresh.RefreshRunner(
                            home.metadata(), home.registry()).run(prepared.request(), prepared.version(), prepared.snapshot(),
                                    flink, ProgressBarListener.create(progress, noProgress)));
                    EmbedCommand.print(spec.commandLine().getOut(), outcome, home.root());
                    spec.commandLine().getOut().printf("replay of %s%n", prepared.original().id());
                }
            }
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a run that `embedflow serve` started (by run id or unique prefix), or a queued request "
                    + "(--request N): the request ends as CANCELLED now, and serve cancels the run's Flink job at its next pass "
                    + "and records the run as FAILED with why.")
    static final class Cancel implements Callable<Integer> {
        @ParentCommand
        RunsCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", arity = "0..1", description = "The run.")
        String id;

        @Option(names = "--request", paramLabel = "N", description = "The run queue request instead of a run.")
        Long request;

        @Override
        public Integer call() {
            if ((id == null) == (request == null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give a run ID or --request N");
            }
            try (EmbedflowHome home = parent.main.openHome()) {
                long requestId;
                String what;
                if (request != null) {
                    requestId = request;
                    what = "request " + request;
                } else {
                    RunRecord r = home.metadata().findRun(id).orElseThrow(() -> new OrchestratorException("run '" + id + "' not found"));
                    if (r.origin() == null || r.origin().queueRequest() == null) {
                        throw new OrchestratorException("run " + r.id() + " was not started by `embedflow serve`; stop the "
                                + "command that runs it instead");
                    }
                    if (r.status().isTerminal()) {
                        throw new OrchestratorException("run " + r.id() + " already ended: " + r.status());
                    }
                    requestId = r.origin().queueRequest();
                    what = "run " + r.id() + " (request " + requestId + ")";
                }
                var queue = home.metadata().runQueue(io.embedflow.orchestrator.queue.FairShare.equal(1), java.time.Duration.ofMinutes(1));
                if (!queue.cancel(requestId, java.time.Instant.now())) {
                    var state = queue.find(requestId).orElseThrow().state();
                    throw new OrchestratorException(what + " already ended: request " + requestId + " is " + state);
                }
                spec.commandLine().getOut().printf("cancelled %s; serve stops its Flink job at its next pass%n", what);
            }
            return 0;
        }
    }
}
