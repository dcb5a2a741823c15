package io.embedflow.orchestrator.cli;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.metadata.SpecState;
import io.embedflow.orchestrator.schedule.InvalidSpecException;
import io.embedflow.orchestrator.schedule.ObjectStoreDatasetProbe;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.schedule.RefreshSpecYaml;
import io.embedflow.orchestrator.schedule.Schedule;
import io.embedflow.orchestrator.schedule.ScheduledSpec;
import io.embedflow.orchestrator.schedule.TriggerEvaluator;
import io.embedflow.orchestrator.schedule.TriggerFiring;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code embedflow schedule add|list|show|pause|resume|remove|trigger}: the registered refresh specs. */
@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = "Refresh specs (one YAML file each) and what triggers their runs: cron, new data, a model alias "
                + "moving, another spec's success, or by hand.",
        subcommands = {ScheduleCommand.Add.class, ScheduleCommand.ListSpecs.class, ScheduleCommand.Show.class,
            ScheduleCommand.Pause.class, ScheduleCommand.Resume.class, ScheduleCommand.Remove.class,
            ScheduleCommand.Trigger.class})
final class ScheduleCommand {
    /** Firings {@code show} prints. */
    static final int SHOWN_FIRINGS = 10;

    @ParentCommand
    Main main;

    /** Runs {@code work} against the schedule of the root command's state. */
    <T> T withSchedule(BiFunction<EmbedflowHome, Schedule, T> work) {
        try (EmbedflowHome home = main.openHome()) {
            return work.apply(home, new Schedule(home.metadata(), Clock.systemUTC()));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Register the refresh spec in FILE (YAML), checking every field; relative paths in it are "
                    + "relative to the file's directory.")
    static final class Add implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The spec, e.g. docs.yaml.")
        Path file;

        @Option(names = "--replace", description = "Replace a registered spec of the same name.")
        boolean replace;

        @Override
        public Integer call() {
            RefreshSpec read = RefreshSpecYaml.read(file);
            Schedule.Added added;
            try {
                added = parent.withSchedule((home, schedule) -> schedule.add(read, replace));
            } catch (InvalidSpecException e) {
                // a chain error is found against the registered specs, after the file was read
                throw e.source() == null ? e.in(file.getFileName().toString()) : e;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%s refresh spec %s (tenant %s; triggers: %s)%n", added.replaced() ? "replaced" : "added", read.name(),
                    read.tenant(), ScheduleViews.triggers(read));
            if (!added.replaced() && read.triggers().onNewData()) {
                out.println("the first look at its dataset is the baseline; `embedflow schedule trigger " + read.name()
                        + "` asks for a run now");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the registered refresh specs.")
    static final class ListSpecs implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        public Integer call() {
            return parent.withSchedule((home, schedule) -> {
                PrintWriter out = spec.commandLine().getOut();
                List<Map<String, Object>> rows = new ArrayList<>();
                for (ScheduledSpec s : schedule.list()) {
                    rows.add(ScheduleViews.summary(s, schedule.firings(s.name(), 1)));
                }
                if (json) {
                    Json.print(out, rows);
                    return 0;
                }
                out.printf("%-24s %-12s %5s %-7s %-24s %-33s %s%n", "NAME", "TENANT", "PRI", "STATUS", "MODEL", "LAST FIRED",
                        "TRIGGERS");
                for (Map<String, Object> r : rows) {
                    Object fired = r.get("lastFired");
                    out.printf("%-24s %-12s %5s %-7s %-24s %-33s %s%n", r.get("name"), r.get("tenant"), r.get("priority"),
                            r.get("status"), r.get("model"), fired == null ? "-"
                                    : ScheduleViews.seconds(Instant.parse((String) fired)) + " " + r.get("lastFiredKind"),
                            r.get("triggers"));
                }
                return 0;
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a refresh spec, what its triggers have seen, and its last firings.")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        public Integer call() {
            return parent.withSchedule((home, schedule) -> {
                ScheduledSpec s = schedule.get(name);
                SpecState state = schedule.state(name);
                List<TriggerFiring> firings = schedule.firings(name, SHOWN_FIRINGS);
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    Json.print(out, ScheduleViews.detail(s, state, firings, Clock.systemUTC().instant()));
                } else {
                    ScheduleViews.printDetail(out, s, state, firings, Clock.systemUTC().instant());
                }
                return 0;
            });
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Suspend a spec's automatic triggers (a manual trigger still works).")
    static final class Pause implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            boolean was = parent.withSchedule((home, schedule) -> {
                boolean paused = schedule.get(name).paused();
                schedule.pause(name);
                return paused;
            });
            spec.commandLine().getOut().printf("%s refresh spec %s%n", was ? "already paused:" : "paused", name);
            return 0;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Resume a spec's automatic triggers. Cron due times missed while paused are skipped; data "
                    + "changes, alias moves and upstream successes during the pause fire once.")
    static final class Resume implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            boolean was = parent.withSchedule((home, schedule) -> {
                boolean paused = schedule.get(name).paused();
                schedule.resume(name);
                return paused;
            });
            spec.commandLine().getOut().printf("%s refresh spec %s%n", was ? "resumed" : "already active:", name);
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a spec and its trigger state (its firings stay in the log); refused while another spec "
                    + "runs after it.")
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            parent.withSchedule((home, schedule) -> {
                schedule.remove(name);
                return null;
            });
            spec.commandLine().getOut().printf("removed refresh spec %s%n", name);
            return 0;
        }
    }

    @Command(name = "trigger", mixinStandardHelpOptions = true,
            description = "Ask for a run of a spec now (also when paused): logs a manual firing for the scheduler.")
    static final class Trigger implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why, kept with the firing.")
        String reason;

        @Option(names = "--actor", paramLabel = "NAME", description = "Who asks (default: the user name).")
        String actor;

        @Override
        public Integer call() {
            String detail = "by " + ModelCommand.actor(actor) + (reason == null || reason.isBlank() ? "" : ": " + reason.strip());
            TriggerFiring firing = parent.withSchedule((home, schedule) ->
                    new TriggerEvaluator(home.metadata(), new ObjectStoreDatasetProbe(S3Settings.fromEnvironment()),
                            Clock.systemUTC()).trigger(name, detail));
            spec.commandLine().getOut().printf("firing %d: manual trigger of refresh spec %s (%s)%n", firing.id(), name, detail);
            return 0;
        }
    }
}
