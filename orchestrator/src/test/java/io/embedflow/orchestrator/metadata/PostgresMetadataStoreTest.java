package io.embedflow.orchestrator.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.embedflow.orchestrator.OrchestratorException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The metadata contract on PostgreSQL, when {@code EMBEDFLOW_TEST_POSTGRES_URL} names a database
 * ({@code jdbc:postgresql://HOST:PORT/DB?user=U&password=P}; {@code .ci/run} starts one). Each
 * test gets a schema of its own, dropped afterwards.
 */
@EnabledIfEnvironmentVariable(named = PostgresMetadataStoreTest.URL_VARIABLE, matches = ".+")
class PostgresMetadataStoreTest extends MetadataStoreContract {

    static final String URL_VARIABLE = "EMBEDFLOW_TEST_POSTGRES_URL";
    private static final String BASE_URL = System.getenv(URL_VARIABLE);
    private static final Pattern PARTS =
            Pattern.compile("jdbc:postgresql://([^/?]+)/([^?]+)\\?(?=.*\\buser=([^&]+))(?=.*\\bpassword=([^&]+)).*");

    private final List<String> schemas = new ArrayList<>();

    @Override
    String newDatabaseUrl() throws Exception {
        String schema = "embedflow_test_" + UUID.randomUUID().toString().replace("-", "");
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

    @AfterAll
    static void logsNeverNameThePassword() throws Exception {
        Path log = Path.of(System.getProperty("embedflow.log.file", System.getProperty("java.io.tmpdir") + "/embedflow.log"));
        if (Files.exists(log)) {
            assertThat(Files.readString(log)).doesNotContain(parts().group(4));
        }
    }

    @Test
    void databaseNamesHostAndDatabaseButNoCredentials() {
        Matcher parts = parts();
        assertThat(store.database()).isEqualTo("jdbc:postgresql://" + parts.group(1) + "/" + parts.group(2))
                .doesNotContain(parts.group(4));
    }

    @Test
    void acceptsCredentialsBeforeTheHostAsLibpqDoes() throws Exception {
        Matcher parts = parts();
        String schema = newDatabaseUrl().replaceAll(".*currentSchema=", "");
        for (String scheme : List.of("postgresql://", "postgres://", "jdbc:postgresql://")) {
            String url = scheme + parts.group(3) + ":" + parts.group(4) + "@" + parts.group(1) + "/" + parts.group(2)
                    + "?currentSchema=" + schema;
            try (MetadataStore s = MetadataStore.open(url, clock)) {
                s.insertRun(run("r-" + scheme.length(), T0));
                assertThat(s.listRuns(10)).isNotEmpty();
                assertThat(s.database()).doesNotContain(parts.group(4)).doesNotContain(parts.group(3) + ":");
            }
        }
    }

    @Test
    void aWrongPasswordIsReportedWithoutAnyPassword() {
        Matcher parts = parts();
        String wrong = "Wr0ngPa55wordXyz";
        for (String url : List.of(BASE_URL.replace("password=" + parts.group(4), "password=" + wrong),
                "postgresql://" + parts.group(3) + ":" + wrong + "@" + parts.group(1) + "/" + parts.group(2))) {
            Throwable failure = catchThrowable(() -> MetadataStore.open(url, clock));
            assertThat(failure).isInstanceOf(OrchestratorException.class)
                    .hasMessageContaining("could not open metadata database jdbc:postgresql://" + parts.group(1))
                    .hasMessageContaining("password authentication failed");
            assertThat(CredentialRedactionTest.everything(failure)).doesNotContain(wrong).doesNotContain(parts.group(4));
        }
    }

    private static Matcher parts() {
        Matcher m = PARTS.matcher(BASE_URL);
        assertThat(m.matches()).as("%s looks like jdbc:postgresql://HOST:PORT/DB?user=U&password=P", URL_VARIABLE).isTrue();
        return m;
    }
}
