package io.embedflow.orchestrator.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code embedflow} command line. Exit codes: 0 success, 1 failure, 2 bad usage. A failure
 * prints one sentence; {@code --verbose} adds the stack trace. Other modules add commands
 * through {@link CliExtension} (e.g. {@code bench}).
 */
@Command(name = "embedflow", mixinStandardHelpOptions = true, version = "embedflow 0.1.0",
        description = "Embed warehouse tables with versioned models on Flink.",
        subcommands = {ModelCommand.class, EmbedCommand.class, RunsCommand.class, LineageCommand.class, GcCommand.class,
            DemoCommand.class, ScheduleCommand.class, ServeCommand.class, TrainCommand.class,
            InferCommand.class, EvalCommand.class, BlessCommand.class, GangWorkerCommand.class})
public final class Main {
    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of failures.")
    boolean verbose;

    @Option(names = "--home", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "State directory (default: $EMBEDFLOW_HOME, else ~/.embedflow).")
    Path home;

    @Option(names = "--db", scope = ScopeType.INHERIT, paramLabel = "JDBC_URL",
            description = "Metadata database (default: $EMBEDFLOW_DB, else SQLite in the state directory).")
    String db;

    @Option(names = "--store", scope = ScopeType.INHERIT, paramLabel = "DIR|s3://BUCKET/PREFIX",
            description = "Model snapshot store (default: $EMBEDFLOW_STORE, else the state directory).")
    String store;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (for tests and embedding). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = commandLine();
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    public static CommandLine commandLine() {
        Main main = new Main();
        CommandLine cli = new CommandLine(main);
        for (CliExtension extension : ServiceLoader.load(CliExtension.class)) {
            extension.register(cli);
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
            int newline = message.indexOf('\n');
            err.println("error: " + (newline < 0 || main.verbose ? message : message.substring(0, newline)));
            if (main.verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cli;
    }

    /** The state directory. */
    Path home() {
        return io.embedflow.orchestrator.EmbedflowHome.resolve(home);
    }

    /** Opens the state the root command's options (or the environment) name. */
    io.embedflow.orchestrator.EmbedflowHome openHome() {
        return io.embedflow.orchestrator.EmbedflowHome.open(home(), db, store);
    }
}
