package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.refresh.ProgressListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Shows a refresh as a progress bar on stderr: rows done of rows planned, rows/s, ETA. */
final class ProgressBarListener implements ProgressListener {
    private ProgressBar bar;

    /** A progress bar when stderr is a terminal (or when forced), else nothing. */
    static ProgressListener create(boolean force, boolean disable) {
        if (disable || (!force && System.console() == null)) {
            return ProgressListener.NONE;
        }
        return new ProgressBarListener();
    }

    @Override
    public void planned(long rows) {
        bar = new ProgressBarBuilder()
                .setTaskName("embedding")
                .setInitialMax(rows)
                .setUnit(" rows", 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .build();
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
