package io.embedflow.orchestrator.queue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The run queue contract on PostgreSQL, when {@code EMBEDFLOW_TEST_POSTGRES_URL} names a database
 * ({@code jdbc:postgresql://HOST:PORT/DB?user=U&password=P}; {@code .ci/run} starts one). Each
 * test gets a schema of its own, dropped afterwards.
 */
@EnabledIfEnvironmentVariable(named = PostgresRunQueueTest.URL_VARIABLE, matches = ".+")
class PostgresRunQueueTest extends RunQueueContract {

    static final String URL_VARIABLE = "EMBEDFLOW_TEST_POSTGRES_URL";
    private static final String BASE_URL = System.getenv(URL_VARIABLE);

    private final List<String> schemas = new ArrayList<>();

    @Override
    String newDatabaseUrl() throws Exception {
        String schema = "embedflow_queue_test_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(BASE_URL); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        schemas.add(schema);
        return BASE_URL + "&currentSchema=" + schema;
    }

    @AfterEach
    void dropSchemas() throws Exception {
        try (Connection c = DriverManager.getConnection(BASE_URL); Statement s = c.createStatement()) {
            for (String schema : schemas) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
