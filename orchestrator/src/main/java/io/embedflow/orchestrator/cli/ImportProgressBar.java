package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.registry.ImportProgress;
import me.tongfei.progressbar.ProgressBar;

/** Shows a model import as a progress bar on stderr in MB (hashing, then storing), with MB/s and an ETA. */
final class ImportProgressBar implements ImportProgress {
    /** Smaller models import in about a second: no bar unless asked for with {@code --progress}. */
    static final long MIN_BYTES = 64L << 20;
    private static final long MB = 1_000_000;

    private final boolean force;
    private ProgressBar bar;

    private ImportProgressBar(boolean force) {
        this.force = force;
    }

    /** A bar for a large import when stderr is a terminal (or for any import when forced), else nothing. */
    static ImportProgress create(boolean force, boolean disable) {
        return ProgressBarListener.show(force, disable) ? new ImportProgressBar(force) : ImportProgress.NONE;
    }

    @Override
    public void planned(long bytes) {
        if (force || bytes / 2 >= MIN_BYTES) {
            bar = ProgressBarListener.bar("importing").setInitialMax(bytes).setUnit(" MB", MB).build();
        }
    }

    @Override
    public void progress(long bytes) {
        if (bar != null) {
            bar.stepTo(Math.min(bytes, bar.getMax()));
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
