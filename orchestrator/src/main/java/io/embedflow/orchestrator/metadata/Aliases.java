package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The alias tables behind {@link MetadataStore}: {@code model_aliases} (where each alias points
 * now) and {@code alias_moves} (every move, numbered per model). A move reads the current state
 * and the model's last move number in one statement, then inserts the next number and updates
 * the alias in the same transaction; a concurrent mover of the same model makes that insert
 * collide, and {@link Db#transaction} runs the move again on the new state.
 */
final class Aliases {

    private static final String ALIAS_COLUMNS = "name, alias, version, updated_at";
    private static final String MOVE_COLUMNS = "name, alias, from_version, to_version, actor, reason, moved_at, details_json";

    private final Db db;
    private final Clock clock;

    Aliases(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    Optional<Alias> find(String name, String alias) {
        return db.first("alias " + name + "@" + alias,
                "SELECT " + ALIAS_COLUMNS + " FROM model_aliases WHERE name = ? AND alias = ?", Aliases::readAlias, name, alias);
    }

    List<Alias> list(String name) {
        // sorted here: PostgreSQL's collation may order text differently from SQLite's
        return sorted(db.query("aliases of model " + name, "SELECT " + ALIAS_COLUMNS + " FROM model_aliases WHERE name = ?",
                Aliases::readAlias, name));
    }

    List<Alias> ofVersion(String name, int version) {
        return sorted(db.query("aliases of model version " + name + "/" + version,
                "SELECT " + ALIAS_COLUMNS + " FROM model_aliases WHERE name = ? AND version = ?", Aliases::readAlias,
                name, version));
    }

    List<AliasMove> history(String name, String alias) {
        if (alias == null) {
            return db.query("alias history of model " + name,
                    "SELECT " + MOVE_COLUMNS + " FROM alias_moves WHERE name = ? ORDER BY seq", Aliases::readMove, name);
        }
        return db.query("history of alias " + name + "@" + alias,
                "SELECT " + MOVE_COLUMNS + " FROM alias_moves WHERE name = ? AND alias = ? ORDER BY seq",
                Aliases::readMove, name, alias);
    }

    AliasMove move(String name, String alias, int toVersion, Integer expectedFrom, String actor, String reason,
            String detailsJson) {
        String ref = name + "@" + alias;
        check(name, alias, actor);
        JsonText.requireValid(detailsJson, "details of the move of alias " + ref);
        return db.transaction("could not move alias " + ref + " to version " + toVersion, () -> {
            State state = state(name, alias);
            if (expectedFrom != null && !expectedFrom.equals(state.current())) {
                throw new OrchestratorException("alias " + ref + (state.current() == null ? " does not exist" : " points at version "
                        + state.current()) + ", not " + expectedFrom + " as expected; nothing changed");
            }
            if (db.first("model version " + name + "/" + toVersion, "SELECT version FROM model_versions WHERE name = ? AND version = ?",
                    rs -> rs.getInt(1), name, toVersion).isEmpty()) {
                throw new OrchestratorException("cannot point alias " + ref + " at " + name + "/" + toVersion
                        + ": no such model version in " + db.database());
            }
            AliasMove move = new AliasMove(name, alias, state.current(), toVersion, actor, reason, clock.instant(), detailsJson);
            record(state.nextSeq(), move);
            db.update("could not update alias " + ref, "INSERT INTO model_aliases (" + ALIAS_COLUMNS + ") VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
                    name, alias, toVersion, SqlTimes.format(move.at()));
            return move;
        });
    }

    AliasMove delete(String name, String alias, String actor, String reason) {
        String ref = name + "@" + alias;
        check(name, alias, actor);
        return db.transaction("could not delete alias " + ref, () -> {
            State state = state(name, alias);
            if (state.current() == null) {
                throw new OrchestratorException("alias " + ref + " does not exist in " + db.database() + "; nothing changed");
            }
            AliasMove move = new AliasMove(name, alias, state.current(), null, actor, reason, clock.instant(), null);
            record(state.nextSeq(), move);
            db.update("could not delete alias " + ref, "DELETE FROM model_aliases WHERE name = ? AND alias = ?", name, alias);
            return move;
        });
    }

    /** The alias's current version (null if absent) and the model's next move number, read in one snapshot. */
    private record State(Integer current, int nextSeq) {
    }

    private State state(String name, String alias) {
        return db.first("alias " + name + "@" + alias,
                "SELECT (SELECT MAX(seq) FROM alias_moves WHERE name = ?), "
                        + "(SELECT version FROM model_aliases WHERE name = ? AND alias = ?)",
                rs -> new State(nullableInt(rs, 2), rs.getInt(1) + 1), name, name, alias).orElseThrow();
    }

    private void record(int seq, AliasMove move) {
        db.update("could not record the move of alias " + move.ref(), "INSERT INTO alias_moves (name, seq, alias, from_version, "
                        + "to_version, actor, reason, moved_at, details_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                move.name(), seq, move.alias(), Db.nullableInt(move.fromVersion()), Db.nullableInt(move.toVersion()),
                move.actor(), move.reason(), SqlTimes.format(move.at()), move.detailsJson());
    }

    private static void check(String name, String alias, String actor) {
        ModelVersion.requireValidName(name);
        Alias.requireValidAlias(alias);
        if (actor == null || actor.isBlank() || actor.length() > AliasMove.MAX_ACTOR_LENGTH) {
            throw new OrchestratorException("a move of alias " + name + "@" + alias + " needs an actor of 1 to "
                    + AliasMove.MAX_ACTOR_LENGTH + " characters, got '" + actor + "'");
        }
    }

    private static List<Alias> sorted(List<Alias> aliases) {
        return aliases.stream().sorted(Comparator.comparing(Alias::alias)).toList();
    }

    private static Alias readAlias(ResultSet rs) throws SQLException {
        return new Alias(rs.getString(1), rs.getString(2), rs.getInt(3), SqlTimes.parse(rs.getString(4)));
    }

    private static AliasMove readMove(ResultSet rs) throws SQLException {
        return new AliasMove(rs.getString(1), rs.getString(2), nullableInt(rs, 3), nullableInt(rs, 4), rs.getString(5),
                rs.getString(6), SqlTimes.parse(rs.getString(7)), rs.getString(8));
    }

    private static Integer nullableInt(ResultSet rs, int column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }
}
