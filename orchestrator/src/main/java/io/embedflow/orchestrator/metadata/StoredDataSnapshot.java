package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Instant;
import java.util.Objects;

/**
 * A data snapshot as the metadata store keeps it, so that a run can be replayed on exactly what
 * it read.
 *
 * @param id the snapshot's content id
 * @param root the directory or URI the files are relative to
 * @param filesJson the files with sizes and checksums, as the caller encoded them (a JSON document)
 * @param createdAt when it was first saved
 */
public record StoredDataSnapshot(String id, String root, String filesJson, Instant createdAt) {

    /** Longest {@code id}. */
    public static final int MAX_ID_LENGTH = 100;

    public StoredDataSnapshot {
        if (id == null || id.isBlank() || id.length() > MAX_ID_LENGTH) {
            throw new OrchestratorException("invalid data snapshot id '" + id + "': it must be non-blank and at most "
                    + MAX_ID_LENGTH + " characters");
        }
        if (root == null) {
            throw new OrchestratorException("data snapshot " + id + " has no root");
        }
        if (filesJson == null) {
            throw new OrchestratorException("data snapshot " + id + " has no file list");
        }
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
