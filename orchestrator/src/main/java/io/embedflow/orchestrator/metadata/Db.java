package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The metadata store's one JDBC connection with the few helpers its tables need: queries,
 * updates, transactions that retry on a lost race, and errors that name the database without
 * credentials. Not thread-safe: {@link MetadataStore} confines every call to its own lock.
 */
final class Db {

    /** A transaction that lost a race is retried this often before the caller sees an error. */
    static final int MAX_ATTEMPTS = 50;

    /** PostgreSQL's unique violation, serialization failure and deadlock: another writer won. */
    private static final Set<String> LOST_RACE = Set.of("23505", "40001", "40P01");

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    interface Work<T> {
        T run() throws SQLException;
    }

    private final Connection connection;
    private final DatabaseUrl url;
    private boolean closed;
    private boolean inTransaction;

    Db(Connection connection, DatabaseUrl url) {
        this.connection = connection;
        this.url = url;
    }

    String database() {
        return url.description();
    }

    /** Rows of {@code sql} with {@code args} bound in order; {@code what} names them in errors. */
    <T> List<T> query(String what, String sql, RowMapper<T> mapper, Object... args) {
        try (PreparedStatement ps = prepare(sql, args)) {
            List<T> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(mapper.map(rs));
                }
            }
            return result;
        } catch (SQLException e) {
            throw failure("could not read " + what, e);
        }
    }

    <T> Optional<T> first(String what, String sql, RowMapper<T> mapper, Object... args) {
        return query(what, sql, mapper, args).stream().findFirst();
    }

    /** Runs an INSERT, UPDATE or DELETE; returns the number of rows changed. */
    int update(String action, String sql, Object... args) {
        try (PreparedStatement ps = prepare(sql, args)) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure(action, e);
        }
    }

    /**
     * Runs {@code work} in one transaction. On SQLite the transaction holds the write lock from
     * its start ({@code BEGIN IMMEDIATE}), so writers never interleave; on PostgreSQL a
     * transaction that lost a race to a concurrent writer (a unique violation on a sequence
     * number, a serialization failure) is rolled back and run again, up to {@link #MAX_ATTEMPTS}
     * times. An {@link OrchestratorException} thrown by {@code work} rolls back and propagates.
     */
    <T> T transaction(String action, Work<T> work) {
        requireOpen();
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(action, work);
            } catch (StatementFailure f) {
                boolean lostRace = url.vendor() == DatabaseUrl.Vendor.POSTGRESQL && LOST_RACE.contains(f.sql.getSQLState());
                if (!lostRace) {
                    throw fail(f.action, f.sql);
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw fail(action + " (lost to concurrent writers " + attempt + " times)", f.sql);
                }
            } catch (SQLException e) {
                throw fail(action, e);
            }
        }
    }

    private <T> T attempt(String action, Work<T> work) throws SQLException {
        Exception primary = null;
        inTransaction = true;
        try {
            connection.setAutoCommit(false);
            T result = work.run();
            connection.commit();
            return result;
        } catch (SQLException e) {
            primary = e;
            rollback(e);
            throw new StatementFailure(action, e);
        } catch (RuntimeException e) {
            primary = e;
            rollback(e);
            throw e;
        } finally {
            inTransaction = false;
            // also after a failed BEGIN: sqlite-jdbc flips its autocommit flag before it begins
            try {
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                if (primary == null) {
                    throw e;
                }
                primary.addSuppressed(e);
            }
        }
    }

    /** Inside a transaction a failed statement is left for {@link #transaction} to judge; outside it is final. */
    private RuntimeException failure(String action, SQLException e) {
        return inTransaction ? new StatementFailure(action, e) : fail(action, e);
    }

    /** A statement of a transaction failed; carries the driver's error to {@link #transaction}. */
    private static final class StatementFailure extends RuntimeException {

        private static final long serialVersionUID = 1L;
        private final transient SQLException sql;
        private final String action;

        StatementFailure(String action, SQLException sql) {
            super(action, sql, false, false);
            this.sql = sql;
            this.action = action;
        }
    }

    PreparedStatement prepare(String sql, Object... args) throws SQLException {
        requireOpen();
        PreparedStatement ps = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < args.length; i++) {
                bind(ps, i + 1, args[i]);
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new OrchestratorException("metadata database " + database() + " is closed");
        }
    }

    OrchestratorException fail(String action, SQLException e) {
        return url.failure(action + " in metadata database", e);
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connection.close();
        } catch (SQLException e) {
            throw url.failure("could not close metadata database", e);
        }
    }

    /** A typed SQL NULL, for nullable non-text columns (PostgreSQL will not take a text NULL there). */
    record Null(int sqlType) {
        static final Null INTEGER = new Null(Types.INTEGER);
        static final Null BIGINT = new Null(Types.BIGINT);
    }

    /** {@code value}, or a typed NULL when it is null. */
    static Object nullableInt(Integer value) {
        return value == null ? Null.INTEGER : value;
    }

    /** {@code value}, or a typed NULL when it is null. */
    static Object nullableLong(Long value) {
        return value == null ? Null.BIGINT : value;
    }

    private static void bind(PreparedStatement ps, int index, Object arg) throws SQLException {
        if (arg == null) {
            ps.setNull(index, Types.VARCHAR);
        } else if (arg instanceof Null n) {
            ps.setNull(index, n.sqlType());
        } else if (arg instanceof Integer n) {
            ps.setInt(index, n);
        } else if (arg instanceof Long n) {
            ps.setLong(index, n);
        } else if (arg instanceof String s) {
            ps.setString(index, s);
        } else {
            throw new IllegalArgumentException("cannot bind " + arg.getClass().getName());
        }
    }

    private void rollback(Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
