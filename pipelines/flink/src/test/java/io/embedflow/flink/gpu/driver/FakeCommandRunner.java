package io.embedflow.flink.gpu.driver;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** A scripted {@link CommandRunner}: answers every call the same way and remembers what it was asked. */
final class FakeCommandRunner implements CommandRunner {
    private enum Outcome { RESULT, MISSING, TIMEOUT, INTERRUPTED }

    private final Outcome outcome;
    private final Result result;
    final List<List<String>> commands = new ArrayList<>();
    final List<Duration> timeouts = new ArrayList<>();

    private FakeCommandRunner(Outcome outcome, Result result) {
        this.outcome = outcome;
        this.result = result;
    }

    static FakeCommandRunner printing(String stdout) {
        return new FakeCommandRunner(Outcome.RESULT, new Result(0, stdout, ""));
    }

    static FakeCommandRunner exiting(int code, String stdout, String stderr) {
        return new FakeCommandRunner(Outcome.RESULT, new Result(code, stdout, stderr));
    }

    static FakeCommandRunner missing() {
        return new FakeCommandRunner(Outcome.MISSING, null);
    }

    static FakeCommandRunner hanging() {
        return new FakeCommandRunner(Outcome.TIMEOUT, null);
    }

    static FakeCommandRunner interrupted() {
        return new FakeCommandRunner(Outcome.INTERRUPTED, null);
    }

    @Override
    public Result run(List<String> command, Duration timeout) throws IOException, TimeoutException, InterruptedException {
        commands.add(List.copyOf(command));
        timeouts.add(timeout);
        return switch (outcome) {
            case RESULT -> result;
            case MISSING -> throw new IOException(
                    "Cannot run program \"" + command.get(0) + "\": error=2, No such file or directory");
            case TIMEOUT -> throw new TimeoutException(
                    command.get(0) + " did not finish within " + timeout.toMillis() + " ms and was killed");
            case INTERRUPTED -> throw new InterruptedException();
        };
    }
}
