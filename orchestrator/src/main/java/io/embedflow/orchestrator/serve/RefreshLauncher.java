package io.embedflow.orchestrator.serve;

import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.refresh.ProgressListener;
import io.embedflow.orchestrator.refresh.RefreshRequest;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@link RunLauncher} of {@code serve}: one {@link RefreshRunner#run} on the daemon's
 * {@link FlinkTarget}, with the model version pinned when the firing was taken. A re-run of work
 * whose table exists (the same model snapshot, data snapshot and config) is the runner's no-op: it
 * returns the earlier run and writes nothing.
 */
public final class RefreshLauncher implements RunLauncher {

    private final RefreshRunner runner;
    private final FlinkTarget target;

    public RefreshLauncher(RefreshRunner runner, FlinkTarget target) {
        this.runner = runner;
        this.target = target;
    }

    @Override
    public RunRecord run(Launch launch) {
        return runner.run(request(launch), target, ProgressListener.NONE).run();
    }

    /** The refresh a launch asks for. */
    static RefreshRequest request(Launch launch) {
        RefreshSpec spec = launch.payload().spec();
        Map<String, String> options = new TreeMap<>(spec.jobOptions());
        if (!spec.where().isEmpty()) {
            options.put(RefreshOptions.WHERE.key(), String.join(";", spec.where()));
        }
        // the request has a field for it, which the runner writes over the option
        boolean allowDuplicateIds = Boolean.parseBoolean(options.remove(RefreshOptions.ALLOW_DUPLICATE_IDS.key()));
        return new RefreshRequest(launch.payload().model(), spec.dataset(), spec.idColumn(), spec.textColumn(), spec.output(),
                spec.parallelism(), spec.device().toString(), allowDuplicateIds, options, false, null)
                .withRun(launch.runId(), launch.origin());
    }
}
