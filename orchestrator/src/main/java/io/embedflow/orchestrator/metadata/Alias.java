package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the alias {@code name@alias} points now. An alias is a movable name for one version of a
 * model ({@code minilm@production} → {@code minilm/3}); every move is kept as an {@link AliasMove}.
 *
 * @param name model name, as in {@link ModelVersion}
 * @param alias alias name, matching {@code [A-Za-z][A-Za-z0-9_-]*}, at most {@value #MAX_ALIAS_LENGTH} characters
 * @param version the version it points at
 * @param updatedAt when it was last moved
 */
public record Alias(String name, String alias, int version, Instant updatedAt) {

    public static final int MAX_ALIAS_LENGTH = 64;

    // starting with a letter also keeps an alias from looking like a version number
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");

    public Alias {
        ModelVersion.requireValidName(name);
        requireValidAlias(alias);
        if (version < 1) {
            throw new OrchestratorException("alias " + name + "@" + alias + " points at invalid version " + version);
        }
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** {@code name@alias}, the form users type. */
    public String ref() {
        return name + "@" + alias;
    }

    /** Whether {@code alias} is a legal alias name. */
    public static boolean isValidAlias(String alias) {
        return alias != null && alias.length() <= MAX_ALIAS_LENGTH && ALIAS.matcher(alias).matches();
    }

    /** Returns {@code alias} or throws an {@link OrchestratorException} naming it. */
    public static String requireValidAlias(String alias) {
        if (!isValidAlias(alias)) {
            throw new OrchestratorException("invalid alias name '" + alias + "': an alias starts with a letter, contains only "
                    + "letters, digits, '_' and '-', and has at most " + MAX_ALIAS_LENGTH + " characters");
        }
        return alias;
    }
}
