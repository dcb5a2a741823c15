package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.schedule.RefreshSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;

/**
 * The identity of a refresh's work, for the run queue's deduplication:
 * {@code <spec>:<model snapshot>:<data snapshot>:<config hash>}. Two firings of one spec with the
 * same model snapshot, the same data and the same configuration ask for the same table, so while
 * one is queued or running the other folds into it. The config hash covers what the spec says
 * about the work (dataset, filter, columns, output, parallelism, device, job options), not what
 * only schedules it (triggers, tenant, priority).
 */
public final class DedupeKeys {

    /** Stands for "no data files" in a key. */
    static final String NO_DATA = "no-data";

    private DedupeKeys() {
    }

    public static String of(RefreshSpec spec, String modelSnapshotId, String dataSnapshotId) {
        return spec.name() + ":" + modelSnapshotId + ":" + (dataSnapshotId == null ? NO_DATA : dataSnapshotId) + ":"
                + configHash(spec);
    }

    /** SHA-256, in hex, of the spec's fields that decide the work. */
    static String configHash(RefreshSpec spec) {
        String config = "refresh-spec/1"
                + "\ndataset=" + spec.dataset()
                + "\nwhere=" + String.join(";", spec.where())
                + "\nid=" + spec.idColumn()
                + "\ntext=" + spec.textColumn()
                + "\noutput=" + spec.output()
                + "\nparallelism=" + spec.parallelism()
                + "\ndevice=" + spec.device()
                + "\njobOptions=" + new TreeMap<>(spec.jobOptions()) + "\n";
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(config.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
