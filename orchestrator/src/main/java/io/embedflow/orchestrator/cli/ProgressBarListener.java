package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.refresh.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Shows a job as a progress bar on stderr: rows done of rows planned, rows/s, ETA; one bar per job it is told of. */
final class ProgressBarListener implements ProgressListener {
    private final String task;
    private ProgressBar bar;

    private ProgressBarListener(String task) {
        this.task = task;
    }

    /** An "embedding" progress bar when stderr is a terminal (or when forced), else nothing. */
    static ProgressListener create(boolean force, boolean disable) {
        return create("embedding", force, disable);
    }

    /** A progress bar named {@code task} when stderr is a terminal (or when forced), else nothing. */
    static ProgressListener create(String task, boolean force, boolean disable) {
        return show(force, disable) ? new ProgressBarListener(task) : ProgressListener.NONE;
    }

    /** Whether to draw a bar: never with {@code --no-progress}, else with {@code --progress} or when stderr is a terminal. */
    static boolean show(boolean force, boolean disable) {
        return !disable && (force || stderrIsTerminal());
    }

    /**
     * Whether stderr, where the bars go, is a terminal: on Linux, what file descriptor 2 links to;
     * elsewhere the JVM's console (stdin and stdout interactive), the closest the JDK says.
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /**
     * A bar named {@code task} as every command draws it: ASCII, redrawn four times a second, with its
     * rate, on {@code System.err} as it is now (so a caller that redirects it gets the bar too).
     */
    static ProgressBarBuilder bar(String task) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(System.err));
    }

    @Override
    public void planned(long rows) {
        bar = bar(task).setInitialMax(rows).setUnit(" rows", 1).build();
    }

    @Override
    public void progress(long rows) {
        if (bar != null) {
            bar.stepTo(Math.min(rows, bar.getMax()));
        }
    }

    @Override
    public void finished() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
