package io.embedflow.orchestrator.registry;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.ModelVersion;
import java.util.regex.Pattern;

/**
 * What a user types to name a model: {@code minilm} (its latest version), {@code minilm/3} (a
 * version, which never changes) or {@code minilm@production} (an alias, which moves).
 *
 * @param version null unless a version was named
 * @param alias null unless an alias was named
 */
public record ModelRef(String name, Integer version, String alias) {
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

    public ModelRef {
        ModelVersion.requireValidName(name);
        if (version != null && version < 1) {
            throw new OrchestratorException("invalid version " + version + " of model '" + name + "': versions start at 1");
        }
        if (version != null && alias != null) {
            throw new OrchestratorException("a model reference names a version or an alias, not both");
        }
        if (alias != null && !isValidAlias(alias)) {
            throw new OrchestratorException("invalid alias '" + alias + "': an alias starts with a letter and has up to 64 "
                    + "letters, digits, '_' and '-'");
        }
    }

    public ModelRef(String name, Integer version) {
        this(name, version, null);
    }

    public static boolean isValidAlias(String alias) {
        return alias != null && ALIAS.matcher(alias).matches();
    }

    /** Parses {@code name}, {@code name/version} or {@code name@alias}; an error names the text. */
    public static ModelRef parse(String text) {
        if (text == null || text.isBlank()) {
            throw new OrchestratorException("empty model reference: expected NAME, NAME/VERSION or NAME@ALIAS");
        }
        int at = text.indexOf('@');
        int slash = text.indexOf('/');
        int cut = at >= 0 ? at : slash;
        String name = cut < 0 ? text : text.substring(0, cut);
        if (!ModelVersion.isValidName(name)) {
            throw new OrchestratorException("invalid model reference '" + text + "': expected NAME, NAME/VERSION or "
                    + "NAME@ALIAS where a name starts with a letter or digit and contains only letters, digits, '.', '_' and '-'");
        }
        if (cut < 0) {
            return new ModelRef(name, null, null);
        }
        String rest = text.substring(cut + 1);
        if (at >= 0) {
            if (!isValidAlias(rest)) {
                throw new OrchestratorException("invalid model reference '" + text + "': the alias after '@' must start "
                        + "with a letter and contain only letters, digits, '_' and '-'");
            }
            return new ModelRef(name, null, rest);
        }
        if (!rest.matches("[0-9]{1,9}") || Integer.parseInt(rest) < 1) {
            throw new OrchestratorException("invalid model reference '" + text + "': the version after '/' must be a "
                    + "positive whole number");
        }
        return new ModelRef(name, Integer.parseInt(rest), null);
    }

    public static ModelRef latest(String name) {
        return new ModelRef(name, null, null);
    }

    public static ModelRef of(String name, int version) {
        return new ModelRef(name, version, null);
    }

    public static ModelRef alias(String name, String alias) {
        return new ModelRef(name, null, alias);
    }

    public boolean isLatest() {
        return version == null && alias == null;
    }

    public boolean isAlias() {
        return alias != null;
    }

    @Override
    public String toString() {
        if (alias != null) {
            return name + "@" + alias;
        }
        return version == null ? name : name + "/" + version;
    }
}
