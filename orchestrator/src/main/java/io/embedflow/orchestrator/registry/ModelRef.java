package io.embedflow.orchestrator.registry;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.ModelVersion;

/**
 * What a user types to name a model: {@code minilm} (the latest version) or {@code minilm/3}.
 *
 * @param version null for the latest version
 */
public record ModelRef(String name, Integer version) {

    public ModelRef {
        ModelVersion.requireValidName(name);
        if (version != null && version < 1) {
            throw new OrchestratorException("invalid version " + version + " of model '" + name + "': versions start at 1");
        }
    }

    /** Parses {@code name} or {@code name/version}; an error names the text. */
    public static ModelRef parse(String text) {
        if (text == null || text.isBlank()) {
            throw new OrchestratorException("empty model reference: expected 'name' or 'name/version'");
        }
        int slash = text.indexOf('/');
        String name = slash < 0 ? text : text.substring(0, slash);
        if (!ModelVersion.isValidName(name)) {
            throw new OrchestratorException("invalid model reference '" + text + "': expected 'name' or 'name/version' "
                    + "where a name starts with a letter or digit and contains only letters, digits, '.', '_' and '-'");
        }
        if (slash < 0) {
            return new ModelRef(name, null);
        }
        String digits = text.substring(slash + 1);
        if (!digits.matches("[0-9]{1,9}") || Integer.parseInt(digits) < 1) {
            throw new OrchestratorException("invalid model reference '" + text + "': the version after '/' must be a "
                    + "positive whole number");
        }
        return new ModelRef(name, Integer.parseInt(digits));
    }

    public static ModelRef latest(String name) {
        return new ModelRef(name, null);
    }

    public static ModelRef of(String name, int version) {
        return new ModelRef(name, version);
    }

    public boolean isLatest() {
        return version == null;
    }

    @Override
    public String toString() {
        return version == null ? name : name + "/" + version;
    }
}
