package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One immutable version of a named model: {@code name/version} points at exactly one model
 * snapshot, forever.
 *
 * @param name model name, matching {@code [A-Za-z0-9][A-Za-z0-9._-]*} (at most {@value #MAX_NAME_LENGTH} chars)
 * @param version 1, 2, 3, ... per name
 * @param snapshotId content id of the model snapshot (hex SHA-256 of its manifest)
 * @param createdAt when the version was registered
 * @param source where the snapshot was imported from (a path or URI, never credentials); may be null
 */
public record ModelVersion(String name, int version, String snapshotId, Instant createdAt, String source) {

    public static final int MAX_NAME_LENGTH = 200;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public ModelVersion {
        requireValidName(name);
        if (version < 1) {
            throw new OrchestratorException("invalid version " + version + " of model '" + name + "': versions start at 1");
        }
        if (snapshotId == null || snapshotId.isBlank()) {
            throw new OrchestratorException("model version " + name + "/" + version + " has no snapshot id");
        }
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** {@code name/version}, the form users type and run records store. */
    public String ref() {
        return name + "/" + version;
    }

    /** Whether {@code name} is a legal model name. */
    public static boolean isValidName(String name) {
        return name != null && name.length() <= MAX_NAME_LENGTH && NAME.matcher(name).matches();
    }

    /** Returns {@code name} or throws an {@link OrchestratorException} naming it. */
    public static String requireValidName(String name) {
        if (!isValidName(name)) {
            throw new OrchestratorException("invalid model name '" + name + "': a name starts with a letter or digit, "
                    + "contains only letters, digits, '.', '_' and '-', and has at most " + MAX_NAME_LENGTH + " characters");
        }
        return name;
    }
}
