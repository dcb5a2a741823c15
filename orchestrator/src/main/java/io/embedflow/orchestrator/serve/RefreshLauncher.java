package io.embedflow.orchestrator.serve;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.flink.refresh.RefreshOptions;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import io.embedflow.orchestrator.refresh.ProgressListener;
import io.embedflow.orchestrator.refresh.RefreshRequest;
import io.embedflow.orchestrator.refresh.RefreshRunner;
import io.embedflow.orchestrator.schedule.RefreshSpec;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RunLauncher} of {@code serve}: one {@link RefreshRunner#run} on the daemon's
 * {@link FlinkTarget}, with the model version pinned when the firing was taken.
 *
 * <p>Work that is already done writes nothing. A spec's output is fixed, and the runner refuses an
 * output that holds a table before it looks for earlier runs, so the launcher looks first: when the
 * table at the spec's output was made by a succeeded run from the same model snapshot, the same
 * data snapshot and the same columns, that run is the outcome and nothing runs (a retry after a
 * crash that came after the commit, or the same work asked for again). Otherwise the runner runs;
 * its own no-op covers the same work already done into another output.
 */
public final class RefreshLauncher implements RunLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(RefreshLauncher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RefreshRunner runner;
    private final FlinkTarget target;
    private final MetadataStore metadata;

    public RefreshLauncher(RefreshRunner runner, FlinkTarget target, MetadataStore metadata) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.target = Objects.requireNonNull(target, "target");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
    }

    @Override
    public RunRecord run(Launch launch) {
        RefreshRequest request = request(launch);
        Optional<RunRecord> done = madeAlready(launch.payload(), request);
        if (done.isPresent()) {
            LOG.info("run {} of spec {}: the table at {} already holds this work (run {}); nothing to do", launch.runId(),
                    launch.origin().spec(), request.output(), done.get().id());
            return done.get();
        }
        return runner.run(request, target, ProgressListener.NONE).run();
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
                .withRun(launch.runId(), launch.origin())
                .withNewVersion(true); // a spec's output is one table, refreshed by versions
    }

    /** The succeeded run whose table at the request's output is this very work, if any. */
    private Optional<RunRecord> madeAlready(RunPayload payload, RefreshRequest request) {
        Optional<TableManifest> manifest;
        try (TableLocation table = TableLocation.open(request.output(), S3Settings.fromEnvironment())) {
            manifest = table.manifest();
        } catch (ConnectorException unreadable) {
            return Optional.empty();   // the runner reports what is wrong there
        }
        return manifest
                .filter(m -> m.modelSnapshotId().equals(payload.modelSnapshotId())
                        && m.dataSnapshotId().equals(payload.dataSnapshotId()))
                .flatMap(m -> metadata.findRun(m.runId()))
                .filter(run -> run.status() == RunStatus.SUCCEEDED && sameColumns(run, request));
    }

    /** Whether {@code run} read the same columns with the same duplicate handling as {@code request} would. */
    private static boolean sameColumns(RunRecord run, RefreshRequest request) {
        if (run.configJson() == null) {
            return false;
        }
        try {
            Map<String, String> config = JSON.readValue(run.configJson(), new TypeReference<Map<String, String>>() { });
            return request.idColumn().equals(config.get(RefreshOptions.ID_COLUMN.key()))
                    && request.textColumn().equals(config.get(RefreshOptions.TEXT_COLUMN.key()))
                    && Boolean.toString(request.allowDuplicateIds()).equals(config.get(RefreshOptions.ALLOW_DUPLICATE_IDS.key()));
        } catch (IOException e) {
            return false;
        }
    }
}
