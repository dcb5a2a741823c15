package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Instant;
import java.util.Objects;

/**
 * One recorded move of the alias {@code name@alias}: created ({@code fromVersion} null), moved,
 * or deleted ({@code toVersion} null). Moves are never edited or removed.
 *
 * @param actor who moved it (a user or a component such as an evaluation gate); never blank
 * @param reason why, as given by the actor; may be null
 * @param at when
 * @param detailsJson supporting data as a JSON document (gate results etc.); may be null
 */
public record AliasMove(String name, String alias, Integer fromVersion, Integer toVersion, String actor, String reason,
        Instant at, String detailsJson) {

    /** Longest {@code actor}. */
    public static final int MAX_ACTOR_LENGTH = 200;

    public AliasMove {
        ModelVersion.requireValidName(name);
        Alias.requireValidAlias(alias);
        if (fromVersion == null && toVersion == null) {
            throw new OrchestratorException("a move of alias " + name + "@" + alias + " needs a version to come from or go to");
        }
        if (actor == null || actor.isBlank() || actor.length() > MAX_ACTOR_LENGTH) {
            throw new OrchestratorException("a move of alias " + name + "@" + alias + " needs an actor of 1 to "
                    + MAX_ACTOR_LENGTH + " characters, got '" + actor + "'");
        }
        Objects.requireNonNull(at, "at");
    }

    /** {@code name@alias}. */
    public String ref() {
        return name + "@" + alias;
    }
}
