package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.report.Reports;
import io.embedflow.orchestrator.serve.RunLauncher;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Run reports for the commands that run things: once a command's work is done, whichever way it
 * ended, every run it started and that ended (nested ones too, such as an evaluation's corpus
 * refresh) gets its report under {@code <home>/reports/}; under {@code serve}, each attempt of a
 * queued run does. A report that cannot be written never fails the command.
 */
final class CommandReports {
    private CommandReports() {}

    /** {@code launcher}, writing each attempt's report once it ended ({@code embedflow serve}). */
    static RunLauncher reporting(EmbedflowHome home, RunLauncher launcher) {
        Reports reports = Reports.of(home);
        return launch -> {
            try {
                return launcher.run(launch);
            } finally {
                reports.writeIfEnded(launch.runId());
            }
        };
    }

    /** Runs {@code work}, then writes the reports of the runs that ended meanwhile. */
    static <T> T around(EmbedflowHome home, Supplier<T> work) {
        Instant since = Instant.now();
        try {
            return work.get();
        } finally {
            Reports.of(home).writeEnded(since);
        }
    }
}
